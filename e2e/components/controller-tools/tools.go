//go:build tools

// Package controllertools only records, for `go mod tidy`, the command `make generate` builds from this
// module.
package controllertools

import (
	_ "sigs.k8s.io/controller-tools/cmd/controller-gen"
)
