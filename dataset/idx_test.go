package dataset

import (
	"bytes"
	"compress/gzip"
	"encoding/binary"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/liteforge/liteforge/internal/testutil"
)

// idxBytes builds an IDX file by hand: two zero bytes, the type byte, the
// rank, big-endian dimensions, then the big-endian data.
func idxBytes(typ byte, shape []int, data []byte) []byte {
	b := []byte{0, 0, typ, byte(len(shape))}
	for _, d := range shape {
		b = binary.BigEndian.AppendUint32(b, uint32(d))
	}
	return append(b, data...)
}

func gzipped(t testing.TB, b []byte) []byte {
	var buf bytes.Buffer
	w := gzip.NewWriter(&buf)
	if _, err := w.Write(b); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func TestDecodeIDXTypes(t *testing.T) {
	f32 := binary.BigEndian.AppendUint32(nil, math.Float32bits(1.5))
	f32 = binary.BigEndian.AppendUint32(f32, math.Float32bits(-2))
	cases := []struct {
		typ   byte
		shape []int
		data  []byte
		dtype string
		want  []byte // little-endian
	}{
		{0x08, []int{2, 2}, []byte{1, 2, 3, 255}, "uint8", []byte{1, 2, 3, 255}},
		{0x09, []int{3}, []byte{0x80, 0, 0x7f}, "int8", []byte{0x80, 0, 0x7f}},
		{0x0B, []int{2}, []byte{0x01, 0x02, 0xff, 0xfe}, "int16", []byte{0x02, 0x01, 0xfe, 0xff}},
		{0x0C, []int{1}, []byte{0x01, 0x02, 0x03, 0x04}, "int32", []byte{4, 3, 2, 1}},
		{0x0D, []int{2}, f32, "float32", binary.LittleEndian.AppendUint32(binary.LittleEndian.AppendUint32(nil, math.Float32bits(1.5)), math.Float32bits(-2))},
	}
	for _, c := range cases {
		for _, gz := range []bool{false, true} {
			raw := idxBytes(c.typ, c.shape, c.data)
			if gz {
				raw = gzipped(t, raw)
			}
			a, err := DecodeIDX(bytes.NewReader(raw))
			if err != nil {
				t.Fatalf("%s gzip=%v: %v", c.dtype, gz, err)
			}
			if a.DType != c.dtype || !slices.Equal(a.Shape, c.shape) || !bytes.Equal(a.Data, c.want) {
				t.Errorf("%s gzip=%v: got %s %v % x, want %s %v % x", c.dtype, gz, a.DType, a.Shape, a.Data, c.dtype, c.shape, c.want)
			}
		}
	}
}

func TestDecodeIDXErrors(t *testing.T) {
	good := idxBytes(0x08, []int{2, 3}, []byte{1, 2, 3, 4, 5, 6})
	cases := []struct {
		name string
		data []byte
		want string
	}{
		{"empty", nil, "4-byte magic"},
		{"bad magic", append([]byte{1}, good[1:]...), "two zero bytes"},
		{"bad type", idxBytes(0x0A, []int{1}, []byte{0}), "type byte"},
		{"rank 0", []byte{0, 0, 8, 0}, "0 dimensions"},
		{"short dims", good[:9], "header truncated"},
		{"truncated data", good[:len(good)-1], "truncated: uint8 [2 3] needs 6 bytes, file has 5"},
		{"trailing data", append(slices.Clone(good), 9), "trailing bytes"},
		{"huge claim", idxBytes(0x0D, []int{1 << 30, 1 << 30, 1 << 30}, nil), "too many elements"},
		{"truncated gzip", gzipped(t, good)[:20], "unexpected EOF"},
		{"damaged gzip", func() []byte { g := gzipped(t, good); g[len(g)-5] ^= 0xff; return g }(), "gzip"},
	}
	for _, c := range cases {
		_, err := DecodeIDX(bytes.NewReader(c.data))
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: error %v, want one containing %q", c.name, err, c.want)
		}
	}
}

func TestReadIDXFileNamesTheFile(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "t10k-images-idx3-ubyte")
	if err := os.WriteFile(p, idxBytes(0x08, []int{2, 2, 2}, []byte{1, 2, 3}), 0o644); err != nil {
		t.Fatal(err)
	}
	_, err := ReadIDXFile(p)
	if err == nil || !strings.Contains(err.Error(), p) || !strings.Contains(err.Error(), "truncated") {
		t.Errorf("error %v does not name %s and the truncation", err, p)
	}
}

func TestReadIDXDir(t *testing.T) {
	dir := t.TempDir()
	write := func(name string, b []byte) {
		if err := os.WriteFile(filepath.Join(dir, name), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	// Two 2x2 images: a gzip-compressed images file, a plain labels file.
	write("t10k-images-idx3-ubyte.gz", gzipped(t, idxBytes(0x08, []int{2, 2, 2}, []byte{0, 51, 102, 255, 1, 2, 3, 4})))
	write("t10k-labels-idx1-ubyte", idxBytes(0x08, []int{2}, []byte{7, 3}))
	s, err := ReadIDXDir(dir, "test")
	if err != nil {
		t.Fatal(err)
	}
	if s.N != 2 || s.Height != 2 || s.Width != 2 || s.Channels != 1 || !slices.Equal(s.Labels, []int{7, 3}) {
		t.Fatalf("got %+v", s)
	}
	// pixel/255, exactly as a float32 division gives it.
	if f := s.Float32(); f[0] != 0 || f[1] != 0.2 || f[2] != 0.4 || f[3] != 1 {
		t.Errorf("Float32 = %v, want 0, 0.2, 0.4, 1 first", f[:4])
	}
	if r, _, _, _ := s.Image(1).At(1, 1).RGBA(); r != 4*0x101 {
		t.Errorf("image 1 pixel (1,1) = %d, want 4 (as 16-bit %d)", r, 4*0x101)
	}
	if _, err := ReadIDXDir(dir, "train"); err == nil || !strings.Contains(err.Error(), "no images file") {
		t.Errorf("train split of a test-only folder: %v", err)
	}
	if _, err := ReadIDXDir(dir, "valid"); err == nil || !strings.Contains(err.Error(), "unknown split") {
		t.Errorf("unknown split: %v", err)
	}
	write("t10k-labels-idx1-ubyte.gz", gzipped(t, idxBytes(0x08, []int{2}, []byte{7, 3})))
	if _, err := ReadIDXDir(dir, "test"); err == nil || !strings.Contains(err.Error(), "several labels files") {
		t.Errorf("two label files: %v", err)
	}
	os.Remove(filepath.Join(dir, "t10k-labels-idx1-ubyte.gz"))
	write("t10k-labels-idx1-ubyte", idxBytes(0x08, []int{3}, []byte{7, 3, 1}))
	if _, err := ReadIDXDir(dir, "test"); err == nil || !strings.Contains(err.Error(), "3 labels") || !strings.Contains(err.Error(), "2 images") {
		t.Errorf("count mismatch: %v", err)
	}
}

// TestMNISTFixture reads the real MNIST files. The first labels of each split
// are well known (LeCun's files; every MNIST tutorial prints them), and the
// counts are the published 60,000 and 10,000.
func TestMNISTFixture(t *testing.T) {
	dir := testutil.Fixture(t, "data/mnist")
	test, err := ReadIDXDir(dir, "test")
	if err != nil {
		t.Fatal(err)
	}
	if test.N != 10000 || test.Height != 28 || test.Width != 28 || test.Channels != 1 {
		t.Fatalf("test split: %d images of %dx%dx%d", test.N, test.Height, test.Width, test.Channels)
	}
	if want := []int{7, 2, 1, 0, 4, 1, 4, 9, 5, 9}; !slices.Equal(test.Labels[:10], want) {
		t.Errorf("first test labels %v, want %v", test.Labels[:10], want)
	}
	if testing.Short() {
		return
	}
	train, err := ReadIDXDir(dir, "train")
	if err != nil {
		t.Fatal(err)
	}
	if want := []int{5, 0, 4, 1, 9, 2, 1, 3, 1, 4}; train.N != 60000 || !slices.Equal(train.Labels[:10], want) {
		t.Errorf("train split: %d images, first labels %v; want 60000 and %v", train.N, train.Labels[:10], want)
	}
}

// FuzzDecodeIDX checks that no input makes the IDX parser panic or allocate
// beyond what the input holds, and that what it accepts is consistent.
func FuzzDecodeIDX(f *testing.F) {
	f.Add(idxBytes(0x08, []int{2, 3}, []byte{1, 2, 3, 4, 5, 6}))
	f.Add(idxBytes(0x0D, []int{1}, []byte{0x3f, 0x80, 0, 0}))
	f.Add(gzipped(f, idxBytes(0x0B, []int{2}, []byte{1, 2, 3, 4})))
	f.Add([]byte{0, 0, 8, 1, 0xff, 0xff, 0xff, 0xff})
	f.Fuzz(func(t *testing.T, b []byte) {
		a, err := DecodeIDX(bytes.NewReader(b))
		if err != nil {
			return
		}
		need, err := ByteSize(a.DType, a.Shape)
		if err != nil || need != len(a.Data) {
			t.Fatalf("accepted %s %v with %d bytes (need %d, %v)", a.DType, a.Shape, len(a.Data), need, err)
		}
		if _, err := LabelsOf(a); err == nil && len(a.Shape) != 1 && len(a.Shape) != 2 {
			t.Fatalf("labels accepted from shape %v", a.Shape)
		}
	})
}
