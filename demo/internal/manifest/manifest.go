// Package manifest is the format of demo/models/models.json, the record of
// how each demo model was trained: gendemo writes it, package demo reads it.
package manifest

import (
	"encoding/json"
	"fmt"
)

// Training is one demo model and the `liteforge train` arguments that make
// it. In Args, {data} stands for the data set's folder and {out} for the
// file written.
type Training struct {
	File string   `json:"file"`
	Arch string   `json:"arch"`
	Data string   `json:"data"`
	Args []string `json:"args"`
}

// Record is what models.json holds for one trained model.
type Record struct {
	Training
	// Command is Args as one `liteforge ...` command line.
	Command string `json:"command"`
	// Commit is the liteforge commit that trained the model; GoVersion and
	// GOARCH the toolchain and architecture.
	Commit    string `json:"liteforge_commit"`
	GoVersion string `json:"go_version"`
	GOARCH    string `json:"goarch"`
	// Bytes and SHA256 describe the file written.
	Bytes  int    `json:"bytes"`
	SHA256 string `json:"sha256"`
	// Seconds is the wall time of the training.
	Seconds float64 `json:"seconds"`
	// Report is the train command's --json report, as it printed it.
	Report json.RawMessage `json:"train_report"`
}

// TestAccuracy is the accuracy on the whole test set that training measured,
// with its own forward pass, after the last epoch (the report's accuracy).
func (r *Record) TestAccuracy() (float64, error) {
	var rep struct {
		Accuracy *float64 `json:"accuracy"`
	}
	if err := json.Unmarshal(r.Report, &rep); err != nil || rep.Accuracy == nil {
		return 0, fmt.Errorf("models.json: %s: the train report holds no accuracy", r.File)
	}
	return *rep.Accuracy, nil
}
