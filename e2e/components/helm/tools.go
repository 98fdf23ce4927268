//go:build tools

// Package helm only records, for `go mod tidy`, the command the harness builds from this module: the
// e2e suite renders the vmware-tanzu/velero chart with it.
package helm

import (
	_ "helm.sh/helm/v3/cmd/helm"
)
