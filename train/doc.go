// Package train trains float ir graphs in Go: reverse-mode gradients for the
// ops that small vision models use, optimizers, learning-rate schedules,
// image augmentation, knowledge distillation and builders for small
// architectures. A model being trained is an ordinary ir.Model whose
// batch-normalization layers are a train-only custom op (BatchNormCode);
// Export folds them into the convolutions before them, so what is written
// is a plain float TFLite graph.
//
// Forward passes run on whole batches (the batch is the leading dimension of
// every activation) through liteforge's float kernels where they accept
// weights that change between calls, and through this package's own loops
// elsewhere; backward passes are this package's own, with the heavy products
// on internal/gemm. Work is split into chunks whose number does not depend on
// the thread count, and partial sums are added in chunk order, so a run is
// bit-for-bit the same for a given seed whatever the number of threads.
//
// Training needs a little-endian machine: kernels see the training buffers
// through ir's zero-copy views.
package train
