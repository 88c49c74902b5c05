//go:build !amd64 || purego

package train

// vecImpls lists the implementations this machine can run, for tests.
func vecImpls() []*vecImpl { return []*vecImpl{&goVec} }
