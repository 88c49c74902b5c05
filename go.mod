module github.com/liteforge/liteforge

go 1.26.0

require github.com/google/flatbuffers v2.0.8+incompatible

require golang.org/x/sys v0.50.0

require google.golang.org/protobuf v1.36.12

require golang.org/x/image v0.48.0
