package onnx

import "sort"

// handler converts one ONNX op type. check, when set, inspects a node before
// any conversion and returns why it cannot be converted ("" when it can), so
// that one error lists every unsupported node of a model.
type handler struct {
	conv  func(n *node) error
	check func(n *node) string
}

var handlers = map[string]handler{}

// register adds converters for default-domain op types.
func register(h handler, opTypes ...string) {
	for _, t := range opTypes {
		if _, dup := handlers[t]; dup {
			panic("onnx: converter for " + t + " registered twice")
		}
		handlers[t] = h
	}
}

func lookupHandler(domain, opType string) (handler, bool) {
	if domain != "" && domain != "ai.onnx" {
		return handler{}, false
	}
	h, ok := handlers[opType]
	return h, ok
}

// SupportedOps lists the ONNX op types (default domain) liteforge converts.
func SupportedOps() []string {
	out := make([]string, 0, len(handlers))
	for t := range handlers {
		out = append(out, t)
	}
	sort.Strings(out)
	return out
}
