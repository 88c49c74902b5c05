package train

import (
	"path/filepath"
	"testing"

	"github.com/liteforge/liteforge/dataset"
	"github.com/liteforge/liteforge/internal/testutil"
)

// loadMNIST loads up to limit samples of a split ("train" or "test") of an
// MNIST-style data set in ../shared/fixtures/data/<name>, as pixel/255.
func loadMNIST(t testing.TB, name, split string, limit int) *Data {
	t.Helper()
	s, err := dataset.ReadIDXDir(testutil.Fixture(t, filepath.Join("data", name)), split)
	if err != nil {
		t.Fatal(err)
	}
	return dataFromSet(s, limit)
}

func dataFromSet(s *dataset.ImageSet, limit int) *Data {
	n := min(s.N, limit)
	size := s.Height * s.Width * s.Channels
	d := &Data{X: s.Float32()[:n*size], Labels: make([]int32, n), Shape: []int{s.Height, s.Width, s.Channels}}
	for i := range d.Labels {
		d.Labels[i] = int32(s.Labels[i])
	}
	return d
}
