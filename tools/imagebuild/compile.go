package imagebuild

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"

	v1 "github.com/google/go-containerregistry/pkg/v1"
)

// VersionVar is the variable go build stamps the version into, as the Makefile and the Dockerfiles do.
const VersionVar = "github.com/csdr-io/velero-plugin-for-alibabacloud/pkg/buildinfo.Version"

// Compiler builds Go main packages of the repository for a platform.
type Compiler struct {
	Repo    string // the repository root: the main module
	WorkDir string // where the binaries go, one directory per platform
	Version string
	Log     func(format string, args ...any)
}

// Compile builds every binary of the images for p and returns each image path's content.
func (c Compiler) Compile(ctx context.Context, p v1.Platform, images ...Image) (map[string][]byte, error) {
	out := filepath.Join(c.WorkDir, p.OS+"-"+p.Architecture)
	if err := os.MkdirAll(out, 0o755); err != nil {
		return nil, err
	}
	var pkgs []string
	for _, img := range images {
		pkgs = append(pkgs, img.Packages()...)
	}
	// The flags of the Dockerfiles' build stage: no cgo, no build paths, no symbol table, the version.
	args := append([]string{"build", "-trimpath", "-ldflags", "-s -w -X " + VersionVar + "=" + c.Version, "-o", out + "/"}, pkgs...)
	cmd := exec.CommandContext(ctx, "go", args...)
	cmd.Dir = c.Repo
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0", "GOOS="+p.OS, "GOARCH="+p.Architecture, "GOWORK=off")
	if c.Log != nil {
		c.Log("go build for %s: %s", p, strings.Join(pkgs, " "))
	}
	if b, err := cmd.CombinedOutput(); err != nil {
		return nil, fmt.Errorf("go build for %s: %w\n%s", p, err, b)
	}
	files := map[string][]byte{}
	for _, img := range images {
		for _, b := range img.Binaries {
			data, err := os.ReadFile(filepath.Join(out, binaryName(b.Package)))
			if err != nil {
				return nil, fmt.Errorf("go build for %s: %w", p, err)
			}
			files[b.Path] = data
		}
	}
	return files, nil
}
