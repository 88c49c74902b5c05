// Package schema is liteforge's TFLite FlatBuffers schema (schema.fbs)
// compiled to Go by flatc, plus a verifier. The generated accessors do no
// bounds checks, so a buffer from outside must pass VerifyModel before any of
// them touches it; VerifyModel is driven by the field descriptors that
// gentables derives from schema.fbs (and cross-checks against flatc's output).
package schema

// Regenerate with `go generate ./tflite/internal/schema` (needs flatc 2.0.8,
// Debian's flatbuffers-compiler).
//go:generate flatc --go --gen-object-api --gen-onefile --go-namespace schema -o . schema.fbs
//go:generate gofmt -w schema_generated.go
//go:generate go run ./gentables -schema schema.fbs -generated schema_generated.go -out tables_generated.go
