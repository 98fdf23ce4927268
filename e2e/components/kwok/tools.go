//go:build tools

// Package kwok only records, for `go mod tidy`, the command the harness builds from this module.
package kwok

import (
	_ "sigs.k8s.io/kwok/cmd/kwok"
)
