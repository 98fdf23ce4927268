// Package buildinfo holds the version stamped into binaries at build time.
package buildinfo

// Version is set with -ldflags "-X .../pkg/buildinfo.Version=...".
var Version = "dev"
