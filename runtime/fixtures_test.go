package runtime

import (
	"bytes"
	"fmt"
	"io/fs"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/liteforge/liteforge/internal/testutil"
	"github.com/liteforge/liteforge/ir"
	"github.com/liteforge/liteforge/tflite"
)

// TestFixturesPrepare loads every .tflite under ../shared/fixtures/tflite and
// prepares an interpreter for it: every op must have a kernel, shapes must
// infer, quantization must check out, the arena must plan. It then runs it
// on zero inputs and checks that Invoke allocates nothing, and logs each
// model's arena against the sum of its activations.
func TestFixturesPrepare(t *testing.T) {
	root := filepath.Join(testutil.SharedDir(t), "fixtures", "tflite")
	var models []string
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() && strings.HasSuffix(p, ".tflite") {
			models = append(models, p)
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(models) == 0 {
		t.Fatal("no .tflite fixtures found")
	}
	for _, p := range models {
		name, _ := filepath.Rel(root, p)
		t.Run(strings.TrimSuffix(name, ".tflite"), func(t *testing.T) {
			m, err := tflite.ReadFile(p)
			if err != nil {
				t.Fatal(err)
			}
			var warnings []string
			it, err := New(m, WithWarnings(func(s string) { warnings = append(warnings, s) }))
			if err != nil {
				t.Fatal(err)
			}
			bound := checkNoLiveOverlap(t, it)
			// Steady state: after a first Invoke (AllocsPerRun's warm-up),
			// Invoke allocates nothing.
			allocs := testing.AllocsPerRun(1, func() {
				if err := it.Invoke(); err != nil {
					t.Fatal(err)
				}
			})
			st := it.Memory()
			t.Logf("arena %d B (lower bound %d B), activations %d B (%.0f%%), persistent %d B, weights %d B, scratch %d B, %v allocations per Invoke, warnings %q",
				st.Arena, bound, st.Activations, 100*float64(st.Arena)/float64(max(st.Activations, 1)), st.Persistent, st.Weights, st.Scratch, allocs, warnings)
			// The greedy planner reaches the bound on every fixture (the
			// graphs are chains with short-lived branches); a regression
			// would show here.
			if st.Arena != bound {
				t.Errorf("arena %d bytes, %d above the %d bytes live at once", st.Arena, st.Arena-bound, bound)
			}
			if allocs != 0 {
				t.Errorf("Invoke allocates %v times per run", allocs)
			}
		})
	}
}

// TestFixtureInterpretersConcurrent runs several interpreters over one shared
// model on their own goroutines (with two kernel threads each) and checks
// that each gives, at every run, the bytes a lone interpreter gives. Run
// with -race, it also checks that nothing shared is written.
func TestFixtureInterpretersConcurrent(t *testing.T) {
	for _, name := range []string{"micro/person_detect", "coral/keras_lstm_mnist_ptq", "litert/mobilenet_like_model"} {
		t.Run(name, func(t *testing.T) {
			m, err := tflite.ReadFile(testutil.Fixture(t, filepath.Join("tflite", name+".tflite")))
			if err != nil {
				t.Fatal(err)
			}
			run := func(it *Interpreter, seed int) ([][]byte, error) {
				for i := range it.NumInputs() {
					in := it.Input(i)
					if in.Type == ir.Float32 {
						for j := range in.Float32s() {
							in.Float32s()[j] = float32((seed*31+j*7)%17) / 17
						}
						continue
					}
					for j := range in.Data {
						in.Data[j] = byte(seed*31 + j*7)
					}
				}
				it.ResetVariables()
				if err := it.Invoke(); err != nil {
					return nil, err
				}
				var outs [][]byte
				for i := range it.NumOutputs() {
					outs = append(outs, bytes.Clone(it.Output(i).Data))
				}
				return outs, nil
			}
			ref := mustNew(t, m)
			want := make([][][]byte, 3)
			for seed := range want {
				if want[seed], err = run(ref, seed); err != nil {
					t.Fatal(err)
				}
			}
			var wg sync.WaitGroup
			errs := make(chan error, 4)
			for range 4 {
				wg.Add(1)
				go func() {
					defer wg.Done()
					it, err := New(m, WithThreads(2))
					if err != nil {
						errs <- err
						return
					}
					for seed := range want {
						got, err := run(it, seed)
						if err != nil {
							errs <- err
							return
						}
						for i := range got {
							if !bytes.Equal(got[i], want[seed][i]) {
								errs <- fmt.Errorf("run %d output %d differs from a lone interpreter's", seed, i)
								return
							}
						}
					}
				}()
			}
			wg.Wait()
			close(errs)
			for err := range errs {
				t.Error(err)
			}
		})
	}
}
