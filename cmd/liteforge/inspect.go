package main

import (
	"encoding/json"
	"os"

	"github.com/liteforge/liteforge/modelinfo"
	"github.com/liteforge/liteforge/tflite"
	"github.com/spf13/cobra"
)

func newInspectCmd() *cobra.Command {
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "inspect MODEL",
		Short: "Show a model's subgraphs, inputs and outputs, ops, tensors, quantization and metadata",
		Long: `inspect reads a .tflite model and prints, for each subgraph, its inputs and
outputs, its ops counted by type, and every tensor with its type, shape (and
shape signature when a dimension is dynamic), size in bytes and quantization
(scale and zero point; a per-axis summary for per-channel tensors). It also
lists the model's metadata entries with their sizes, its signature defs and
the total bytes of its weights.

With --json it prints the same as one JSON object (see package modelinfo for
the structure; keys are only ever added, never changed).`,
		Example: `  liteforge inspect model.tflite
  liteforge inspect --json model.tflite | jq '.subgraphs[0].op_counts'`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			path := args[0]
			m, err := tflite.ReadFile(path)
			if err != nil {
				return err
			}
			info := modelinfo.Describe(m)
			info.File = path
			if fi, err := os.Stat(path); err == nil {
				info.FileBytes = fi.Size()
			}
			if asJSON {
				enc := json.NewEncoder(cmd.OutOrStdout())
				enc.SetIndent("", "  ")
				return enc.Encode(info)
			}
			return info.WriteText(cmd.OutOrStdout())
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print one JSON object instead of text")
	return cmd
}
