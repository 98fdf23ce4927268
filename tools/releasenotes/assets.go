package releasenotes

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
)

// NotesFile is the release notes' name among the assets; the release workflow uses it as the body.
const NotesFile = "release-notes.md"

// ChecksumsFile lists the SHA-256 of every other asset, in `sha256sum -c` format.
const ChecksumsFile = "SHA256SUMS"

// SetImage replaces the one `image: <from>` line of a manifest with `image: <to>`, keeping its
// indentation. It fails unless exactly one line names from, so a renamed image in deploy/ cannot ship
// a manifest that still points at :latest.
func SetImage(manifest []byte, from, to string) ([]byte, error) {
	line := regexp.MustCompile(`(?m)^([ \t]*(?:- )?image: )` + regexp.QuoteMeta(from) + `[ \t]*$`)
	matches := line.FindAllIndex(manifest, -1)
	if len(matches) != 1 {
		return nil, fmt.Errorf("set image %s: found %d lines `image: %s`, want exactly 1", to, len(matches), from)
	}
	return line.ReplaceAll(manifest, []byte("${1}"+to)), nil
}

// Assets is what a GitHub release carries besides the images.
type Assets struct {
	// InstallYAML is deploy/install.yaml; its controller image is set to ControllerImage.
	InstallYAML         string
	ControllerImageFrom string
	ControllerImage     string
	// Policies are the RAM policy files, copied as they are.
	Policies []string
	Notes    string
}

// Write puts the assets into dir, which must be empty or missing, and their checksums beside them.
func (a Assets) Write(dir string) error {
	if entries, err := os.ReadDir(dir); err == nil && len(entries) > 0 {
		return fmt.Errorf("write release assets: %s is not empty", dir)
	} else if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("write release assets: %w", err)
	}
	if len(a.Policies) == 0 {
		return errors.New("write release assets: no RAM policy files")
	}
	files := map[string][]byte{NotesFile: []byte(a.Notes)}
	manifest, err := os.ReadFile(a.InstallYAML)
	if err != nil {
		return fmt.Errorf("write release assets: %w", err)
	}
	if files["install.yaml"], err = SetImage(manifest, a.ControllerImageFrom, a.ControllerImage); err != nil {
		return fmt.Errorf("write release assets: %s: %w", a.InstallYAML, err)
	}
	for _, p := range a.Policies {
		name := filepath.Base(p)
		if _, dup := files[name]; dup {
			return fmt.Errorf("write release assets: two assets named %s", name)
		}
		if files[name], err = os.ReadFile(p); err != nil {
			return fmt.Errorf("write release assets: %w", err)
		}
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("write release assets: %w", err)
	}
	names := make([]string, 0, len(files))
	for name := range files {
		names = append(names, name)
	}
	sort.Strings(names)
	var sums strings.Builder
	for _, name := range names {
		if err := os.WriteFile(filepath.Join(dir, name), files[name], 0o644); err != nil {
			return fmt.Errorf("write release assets: %w", err)
		}
		sum := sha256.Sum256(files[name])
		fmt.Fprintf(&sums, "%s  %s\n", hex.EncodeToString(sum[:]), name)
	}
	if err := os.WriteFile(filepath.Join(dir, ChecksumsFile), []byte(sums.String()), 0o644); err != nil {
		return fmt.Errorf("write release assets: %w", err)
	}
	return nil
}
