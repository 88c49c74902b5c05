package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"slices"
	"time"

	"github.com/liteforge/liteforge/dataset"
	"github.com/liteforge/liteforge/ir"
	"github.com/liteforge/liteforge/runtime"
	"github.com/liteforge/liteforge/tflite"
	"github.com/liteforge/liteforge/train"
	"github.com/schollz/progressbar/v3"
	"github.com/spf13/cobra"
	"golang.org/x/term"
)

type trainFlags struct {
	arch, data, out, teacher, init string
	epochs, batch, threads         int
	lr, weightDecay                float64
	optimizer, schedule            string
	stepEpochs                     int
	seed                           uint64
	temperature, alpha             float64
	shift                          int
	flip                           bool
	noise                          float64
	limit, testLimit               int
	jsonOut                        bool
}

func newTrainCmd() *cobra.Command {
	var f trainFlags
	cmd := &cobra.Command{
		Use:   "train (--arch NAME | --init MODEL) --data PATH --epochs N -o OUT.tflite",
		Short: "Train a small image classifier, or fine-tune a float .tflite, in Go",
		Long: `train trains a float model on an MNIST-style data set and writes it as a
.tflite that TFLite runs.

--arch builds a fresh network (lenet, mbv2-small: 28x28 single-channel
inputs, ten classes); --init instead continues from the weights of an
existing float .tflite (one liteforge wrote, or any float model whose ops
train knows: CONV_2D, DEPTHWISE_CONV_2D, FULLY_CONNECTED, ADD, SUB, MUL,
the activations, pools, MEAN, RESHAPE, CONCATENATION, PAD, SOFTMAX).
Every constant float tensor the ops read is trained.

--data is a folder holding train-*/t10k-* IDX files (gzip or not), as
MNIST and Fashion-MNIST ship; pixels become pixel/255. The test split is
evaluated at the end of every epoch.

With --teacher, a stronger model's softened outputs (temperature T) are
mixed into the loss with weight --alpha (knowledge distillation); the
teacher is any float .tflite liteforge runs on the same inputs.

The same --seed gives the same model whatever --threads is. Batch
normalization layers are folded into the convolutions before them when the
model is written.`,
		Example: `  liteforge train --arch lenet --data mnist/ --epochs 10 -o lenet.tflite
  liteforge train --arch mbv2-small --data fashion-mnist/ --epochs 8 --batch 256 \
      --optimizer adamw --schedule onecycle --lr 3e-3 --flip -o mbv2.tflite
  liteforge train --init lenet.tflite --data mnist/ --epochs 1 --lr 1e-4 -o tuned.tflite
  liteforge train --arch lenet --teacher mbv2.tflite --data mnist/ --epochs 2 -o student.tflite`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx, stop := withInterrupt(cmd)
			defer stop()
			return runTrain(ctx, cmd.OutOrStdout(), cmd.ErrOrStderr(), &f)
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&f.arch, "arch", "", "architecture to build: "+fmt.Sprint(train.Archs()))
	fl.StringVar(&f.init, "init", "", "float .tflite whose weights training starts from")
	fl.StringVar(&f.data, "data", "", "folder of MNIST-style IDX files (train and t10k splits)")
	fl.StringVarP(&f.out, "output", "o", "", "the .tflite to write")
	fl.StringVar(&f.teacher, "teacher", "", "float .tflite to distill from")
	fl.IntVar(&f.epochs, "epochs", 1, "passes over the training set")
	fl.IntVar(&f.batch, "batch", 64, "samples per step")
	fl.IntVar(&f.threads, "threads", 2, "goroutines for the forward and backward passes")
	fl.Float64Var(&f.lr, "lr", 2e-3, "base learning rate")
	fl.StringVar(&f.optimizer, "optimizer", "adam", "sgd, nesterov (both momentum 0.9), adam or adamw")
	fl.StringVar(&f.schedule, "schedule", "constant", "learning-rate schedule: constant, step, cosine or onecycle")
	fl.IntVar(&f.stepEpochs, "step-epochs", 3, "with --schedule step: epochs between the ×0.1 decays")
	fl.Float64Var(&f.weightDecay, "weight-decay", 0, "weight decay of filters and weight matrices (decoupled for adamw)")
	fl.Uint64Var(&f.seed, "seed", 1, "seed of the initialization, shuffling and augmentation")
	fl.Float64Var(&f.temperature, "temperature", 4, "with --teacher: softening temperature T")
	fl.Float64Var(&f.alpha, "alpha", 0.7, "with --teacher: weight of the teacher's term, in [0,1]")
	fl.IntVar(&f.shift, "shift", 0, "augmentation: random shift by up to N pixels")
	fl.BoolVar(&f.flip, "flip", false, "augmentation: random horizontal flips")
	fl.Float64Var(&f.noise, "noise", 0, "augmentation: Gaussian noise of this standard deviation")
	fl.IntVar(&f.limit, "limit", 0, "use only the first N training images (0: all)")
	fl.IntVar(&f.testLimit, "test-limit", 0, "evaluate only the first N test images (0: all)")
	fl.BoolVar(&f.jsonOut, "json", false, "print the per-epoch results as one JSON object")
	return cmd
}

// trainReport is what --json prints.
type trainReport struct {
	Model        string              `json:"model"`
	Arch         string              `json:"arch,omitempty"`
	Init         string              `json:"init,omitempty"`
	Teacher      string              `json:"teacher,omitempty"`
	Params       int                 `json:"params"`
	Bytes        int                 `json:"bytes"`
	InitAccuracy *float64            `json:"init_accuracy,omitempty"`
	Accuracy     float64             `json:"accuracy"`
	Seconds      float64             `json:"seconds"`
	Epochs       []train.EpochResult `json:"epochs"`
}

func runTrain(ctx context.Context, stdout, stderr io.Writer, f *trainFlags) error {
	if (f.arch == "") == (f.init == "") {
		return errors.New("give one of --arch (a new network) and --init (a model to continue from)")
	}
	if f.data == "" || f.out == "" {
		return errors.New("--data and -o are required")
	}
	// Checked before any file is read; --threads 0 was quietly 1.
	for _, c := range []struct {
		flag string
		v    int
	}{{"threads", f.threads}, {"epochs", f.epochs}, {"batch", f.batch}} {
		if err := atLeast(c.flag, c.v, 1); err != nil {
			return err
		}
	}
	var m *ir.Model
	var err error
	if f.arch != "" {
		m, err = train.Arch(f.arch, f.seed)
	} else {
		m, err = tflite.ReadFile(f.init)
	}
	if err != nil {
		return err
	}
	net, err := train.NewNet(m, train.Options{Threads: f.threads})
	if err != nil {
		return fmt.Errorf("%s: %w", modelName(f), err)
	}
	trainSet, err := loadSplit(f.data, "train", f.limit, net.InputShape())
	if err != nil {
		return err
	}
	testSet, err := loadSplit(f.data, "test", f.testLimit, net.InputShape())
	if err != nil {
		return err
	}
	opt, err := train.ParseOptimizer(f.optimizer, f.weightDecay)
	if err != nil {
		return err
	}
	sched, err := train.ParseSchedule(f.schedule, f.stepEpochs)
	if err != nil {
		return err
	}
	cfg := train.Config{
		Epochs: f.epochs, BatchSize: f.batch, LR: f.lr, Schedule: sched, Optimizer: opt, Seed: f.seed,
		Augment: train.Augment{Shift: f.shift, FlipH: f.flip, Noise: float32(f.noise)},
		Test:    testSet,
	}
	if f.teacher != "" {
		t, err := newTeacher(f.teacher, net.InputShape(), net.Classes(), f.threads)
		if err != nil {
			return err
		}
		cfg.Teacher, cfg.Distill = t.logits, train.Distill{Temperature: f.temperature, Alpha: f.alpha}
	}
	report := trainReport{Model: f.out, Arch: f.arch, Init: f.init, Teacher: f.teacher, Params: net.NumParams()}
	fmt.Fprintf(stderr, "training %s (%d parameters) on %d images of %s, testing on %d\n",
		modelName(f), net.NumParams(), trainSet.Len(), f.data, testSet.Len())
	if f.init != "" {
		_, acc, err := net.Evaluate(ctx, testSet, f.batch)
		if err != nil {
			return err
		}
		report.InitAccuracy = &acc
		if !f.jsonOut {
			fmt.Fprintf(stdout, "initial test accuracy %.2f%%\n", 100*acc)
		}
	}
	bar := newTrainProgress(stderr)
	cfg.Progress = bar.step
	cfg.EpochDone = func(r train.EpochResult) {
		bar.epochDone()
		if !f.jsonOut {
			fmt.Fprintf(stdout, "epoch %d/%d  loss %.4f  acc %.2f%%  test loss %.4f  test acc %.2f%%  %.1fs  %.0f img/s\n",
				r.Epoch, f.epochs, r.TrainLoss, 100*r.TrainAccuracy, r.TestLoss, 100*r.TestAccuracy, r.Seconds, r.ImagesPerSecond)
		}
	}
	start := time.Now()
	results, err := train.Fit(ctx, net, trainSet, cfg)
	bar.finish()
	if err != nil {
		return err
	}
	report.Seconds = time.Since(start).Seconds()
	report.Epochs = results
	report.Accuracy = results[len(results)-1].TestAccuracy
	out, err := net.Export()
	if err != nil {
		return err
	}
	out.Description = fmt.Sprintf("%s trained by liteforge (%d epochs, seed %d)", modelName(f), f.epochs, f.seed)
	buf, err := tflite.Write(out)
	if err != nil {
		return err
	}
	report.Bytes = len(buf)
	if err := tflite.WriteFile(f.out, out); err != nil {
		return err
	}
	if f.jsonOut {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(report)
	}
	fmt.Fprintf(stdout, "wrote %s (%d bytes): test accuracy %.2f%%, %.0fs of training\n", f.out, len(buf), 100*report.Accuracy, report.Seconds)
	return nil
}

func modelName(f *trainFlags) string {
	if f.arch != "" {
		return f.arch
	}
	return f.init
}

// loadSplit reads one split of an IDX folder as pixel/255 samples of the
// model's input shape. A single-channel image fits an NHWC [H,W,1] or an
// NCHW [1,H,W] input alike: the values lie in the same order.
func loadSplit(dir, split string, limit int, shape []int) (*train.Data, error) {
	s, err := dataset.ReadIDXDir(dir, split)
	if err != nil {
		return nil, err
	}
	n := s.N
	if limit > 0 {
		n = min(n, limit)
	}
	size := s.Height * s.Width * s.Channels
	have := []int{s.Height, s.Width, s.Channels}
	if !slices.Equal(have, shape) && !(s.Channels == 1 && slices.Equal([]int{1, s.Height, s.Width}, shape)) {
		return nil, fmt.Errorf("%s: %s images are %v (HWC), the model's input takes %v", dir, split, have, shape)
	}
	d := &train.Data{X: s.Float32()[:n*size], Labels: make([]int32, n), Shape: shape}
	for i := range d.Labels {
		d.Labels[i] = int32(s.Labels[i])
	}
	return d, nil
}

// teacher runs a .tflite on the student's batches with liteforge's runtime.
type teacher struct {
	it      *runtime.Interpreter
	batch   int
	classes int
	logOf   bool // the model ends in SOFTMAX: return log-probabilities
}

func newTeacher(path string, shape []int, classes, threads int) (*teacher, error) {
	m, err := tflite.ReadFile(path)
	if err != nil {
		return nil, err
	}
	it, err := runtime.New(m, runtime.WithThreads(threads))
	if err != nil {
		return nil, err
	}
	if it.NumInputs() != 1 || it.NumOutputs() != 1 {
		return nil, fmt.Errorf("teacher %s: want one input and one output, it has %d and %d", path, it.NumInputs(), it.NumOutputs())
	}
	in, out := it.Input(0), it.Output(0)
	if in.Type != ir.Float32 || out.Type != ir.Float32 {
		return nil, fmt.Errorf("teacher %s: want a float32 input and output, it has %v and %v", path, in.Type, out.Type)
	}
	if ir.NumElements(in.Shape[1:]) != ir.NumElements(shape) {
		return nil, fmt.Errorf("teacher %s: input %v does not take samples of shape %v", path, in.Shape, shape)
	}
	if out.Shape[len(out.Shape)-1] != classes {
		return nil, fmt.Errorf("teacher %s: output %v scores %d classes, the student %d", path, out.Shape, out.Shape[len(out.Shape)-1], classes)
	}
	t := &teacher{it: it, classes: classes}
	g := it.Graph()
	for _, op := range g.Ops {
		if slices.Contains(op.Outputs, g.Outputs[0]) && op.Type == ir.Softmax {
			t.logOf = true
		}
	}
	return t, nil
}

func (t *teacher) logits(x []float32, batch int, logits []float32) error {
	if batch != t.batch {
		shape := slices.Clone(t.it.Input(0).Shape)
		shape[0] = batch
		if err := t.it.ResizeInput(0, shape); err != nil {
			return err
		}
		if err := t.it.AllocateTensors(); err != nil {
			return err
		}
		t.batch = batch
	}
	copy(t.it.Input(0).Float32s(), x)
	if err := t.it.InvokeContext(context.Background()); err != nil {
		return err
	}
	out := t.it.Output(0).Float32s()
	if len(out) != batch*t.classes {
		return fmt.Errorf("teacher gave %d values for %d samples", len(out), batch)
	}
	copy(logits, out)
	if t.logOf {
		for i, v := range logits {
			logits[i] = float32(math.Log(math.Max(float64(v), 1e-30)))
		}
	}
	return nil
}

// trainProgress shows a progress bar with the running loss and accuracy
// when stderr is a terminal, and a plain line every ten seconds otherwise.
type trainProgress struct {
	w     io.Writer
	bar   *progressbar.ProgressBar
	tty   bool
	last  time.Time
	epoch int
}

func newTrainProgress(w io.Writer) *trainProgress {
	f, isFile := w.(*os.File)
	return &trainProgress{w: w, last: time.Now(), tty: isFile && term.IsTerminal(int(f.Fd()))}
}

func (p *trainProgress) step(s train.Progress) {
	if p.tty {
		if p.bar == nil || p.epoch != s.Epoch {
			p.epoch = s.Epoch
			p.bar = progressbar.NewOptions(s.Steps, progressbar.OptionSetWriter(p.w),
				progressbar.OptionSetDescription(fmt.Sprintf("epoch %d/%d", s.Epoch, s.Epochs)),
				progressbar.OptionShowCount(), progressbar.OptionSetPredictTime(true), progressbar.OptionClearOnFinish())
		}
		p.bar.Describe(fmt.Sprintf("epoch %d/%d loss %.4f acc %.2f%%", s.Epoch, s.Epochs, s.Loss, 100*s.Accuracy))
		_ = p.bar.Set(s.Step)
		return
	}
	if time.Since(p.last) >= 10*time.Second || s.Step == s.Steps {
		p.last = time.Now()
		fmt.Fprintf(p.w, "epoch %d/%d step %d/%d loss %.4f acc %.2f%% lr %.3g\n", s.Epoch, s.Epochs, s.Step, s.Steps, s.Loss, 100*s.Accuracy, s.LR)
	}
}

func (p *trainProgress) epochDone() {
	if p.bar != nil {
		_ = p.bar.Finish()
		p.bar = nil
	}
}

func (p *trainProgress) finish() { p.epochDone() }
