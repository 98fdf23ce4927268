// Command cp-plugin is the plugin image's entrypoint. `velero install --plugins <image>` runs the image
// as an init container with Velero's plugin directory (an emptyDir) mounted at /target; this program
// copies the plugin binary there, because a FROM scratch image has no shell and no cp.
//
// Usage: cp-plugin SRC... DSTDIR (with no arguments: the plugin binary and /target).
package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/csdr-io/velero-plugin-for-alibabacloud/pkg/buildinfo"
)

// defaultArgs is what the image's CMD passes too; repeated here so the binary alone does the right thing.
var defaultArgs = []string{"/plugins/velero-plugin-for-alibabacloud", "/target"}

func main() {
	if err := run(os.Args[1:], os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "cp-plugin:", err)
		os.Exit(1)
	}
}

// run copies every source into the last argument, a directory, and reports each copy, with the version,
// on out: the init container's log (kubectl logs) says which plugin version Velero got.
func run(args []string, out io.Writer) error {
	if len(args) == 0 {
		args = defaultArgs
	}
	if len(args) < 2 {
		return errors.New("usage: cp-plugin SRC... DSTDIR")
	}
	dstDir := args[len(args)-1]
	info, err := os.Stat(dstDir)
	if err != nil {
		return fmt.Errorf("destination directory: %w", err)
	}
	if !info.IsDir() {
		return fmt.Errorf("destination %s is not a directory", dstDir)
	}
	for _, src := range args[:len(args)-1] {
		dst, err := copyFile(src, dstDir)
		if err != nil {
			return err
		}
		fmt.Fprintf(out, "cp-plugin %s: copied %s to %s\n", buildinfo.Version, src, dst)
	}
	return nil
}

// copyFile writes src into dstDir under its base name, atomically: a temporary file, synced, then
// renamed, so Velero never finds a partial binary, even if this container is killed half way.
func copyFile(src, dstDir string) (dst string, err error) {
	in, err := os.Open(src)
	if err != nil {
		return "", fmt.Errorf("open source: %w", err)
	}
	defer in.Close()
	info, err := in.Stat()
	if err != nil {
		return "", fmt.Errorf("stat source: %w", err)
	}
	if !info.Mode().IsRegular() {
		return "", fmt.Errorf("source %s is not a regular file", src)
	}

	dst = filepath.Join(dstDir, filepath.Base(src))
	// The temporary file lives in dstDir so the rename stays on one file system.
	tmp, err := os.CreateTemp(dstDir, "."+filepath.Base(src)+".tmp-*")
	if err != nil {
		return "", fmt.Errorf("create temporary file: %w", err)
	}
	defer func() {
		if err != nil {
			_ = tmp.Close()
			_ = os.Remove(tmp.Name())
		}
	}()
	if _, err = io.Copy(tmp, in); err != nil {
		return "", fmt.Errorf("copy %s to %s: %w", src, tmp.Name(), err)
	}
	if err = tmp.Sync(); err != nil {
		return "", fmt.Errorf("sync %s: %w", tmp.Name(), err)
	}
	if err = os.Rename(tmp.Name(), dst); err != nil {
		return "", fmt.Errorf("rename %s to %s: %w", tmp.Name(), dst, err)
	}
	// Executable only once it has its final name: Velero starts every executable in its plugin
	// directory, so a temporary copy left by a killed container must stay 0600 (CreateTemp's mode),
	// or it would register the plugin a second time. Nothing reads /target before this container exits.
	if err = tmp.Chmod(0o755); err != nil {
		return "", fmt.Errorf("chmod %s: %w", dst, err)
	}
	if err = tmp.Close(); err != nil {
		return "", fmt.Errorf("close %s: %w", dst, err)
	}
	syncDir(dstDir)
	return dst, nil
}

// syncDir makes the rename durable. Best effort: some file systems refuse fsync on a directory, and
// the copy itself has already succeeded.
func syncDir(dir string) {
	d, err := os.Open(dir)
	if err != nil {
		return
	}
	_ = d.Sync()
	_ = d.Close()
}
