// Command release-notes checks changelog fragments and writes what a release says and carries:
//
//	release-notes check                          every fragment is well formed
//	release-notes notes -version v1.2.3 ...      the release notes, on stdout
//	release-notes assets -version v1.2.3 ...     install.yaml, RAM policies, notes and SHA256SUMS
//	release-notes changelog [-version v1.2.3]    fold the fragments into CHANGELOG.md
//
// It runs from the repository root (make does that).
package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/csdr-io/velero-plugin-for-alibabacloud/tools/releasenotes"
)

func main() {
	if err := run(os.Args[1:], os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "release-notes:", err)
		os.Exit(1)
	}
}

const usage = "usage: release-notes check|notes|assets|changelog [flags]"

func run(args []string, stdout io.Writer) error {
	if len(args) == 0 {
		return errors.New(usage)
	}
	fs := flag.NewFlagSet("release-notes "+args[0], flag.ContinueOnError)
	root := fs.String("root", ".", "repository root")
	version := fs.String("version", "", "release version, e.g. v1.2.3")
	repository := fs.String("repository", "csdr-io/velero-plugin-for-alibabacloud", "GitHub owner/name the release is published in")
	registry := fs.String("registry", "ghcr.io/csdr-io", "public registry the images are pushed to")
	registryCN := fs.String("registry-cn", "", "mirror reachable from mainland China; empty for none")
	digests := fs.String("digests", "", "digests.txt of make images; skipped when the file is missing")
	out := fs.String("out", "_output/release", "directory for the release assets (empty or missing), relative to the working directory")
	install := fs.String("install", "deploy/install.yaml", "the controller's install manifest")
	imageFrom := fs.String("controller-image-from", "ghcr.io/csdr-io/csdr-controller:latest", "the controller image the manifest names")
	policies := fs.String("policies", "examples/velero-install/ram-policy-*.json", "glob of the RAM policy files")
	if err := fs.Parse(args[1:]); err != nil {
		return err
	}
	switch args[0] {
	case "check":
		return check(*root)
	case "notes", "assets":
		notes, err := buildNotes(*root, *version, *repository, *registry, *registryCN, *digests)
		if err != nil {
			return err
		}
		if args[0] == "notes" {
			_, err := io.WriteString(stdout, notes)
			return err
		}
		files, err := filepath.Glob(at(*root, *policies))
		if err != nil {
			return fmt.Errorf("policies %q: %w", *policies, err)
		}
		return releasenotes.Assets{
			InstallYAML:         at(*root, *install),
			ControllerImageFrom: *imageFrom,
			ControllerImage:     fmt.Sprintf("%s/csdr-controller:%s", *registry, *version),
			Policies:            files,
			Notes:               notes,
		}.Write(*out)
	case "changelog":
		if *version == "" {
			return releasenotes.RefreshUnreleased(*root, *repository)
		}
		return releasenotes.Release(*root, *version, *repository)
	}
	return errors.New(usage)
}

// check reads the unreleased fragments and those of every release, so a bad one fails CI in the pull
// request that adds it.
func check(root string) error {
	dirs, err := filepath.Glob(filepath.Join(root, "changelogs", "*"))
	if err != nil {
		return err
	}
	sort.Strings(dirs)
	var errs []error
	for _, d := range dirs {
		if info, err := os.Stat(d); err != nil || !info.IsDir() {
			continue
		}
		rel, _ := filepath.Rel(root, d)
		if _, err := releasenotes.ReadFragments(os.DirFS(root), filepath.ToSlash(rel)); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// at resolves a path given on the command line: relative ones are under the repository root.
func at(root, p string) string {
	if filepath.IsAbs(p) {
		return p
	}
	return filepath.Join(root, p)
}

func buildNotes(root, version, repository, registry, registryCN, digestsPath string) (string, error) {
	if version == "" || strings.ContainsAny(version, "/ \t\n") {
		return "", fmt.Errorf("version %q: want a tag such as v1.2.3", version)
	}
	fragments, err := releasenotes.FragmentsFor(os.DirFS(root), version)
	if err != nil {
		return "", err
	}
	registries := []releasenotes.Registry{{Name: registry}}
	if registryCN != "" {
		registries = append(registries, releasenotes.Registry{Name: registryCN, Note: "mirror reachable from mainland China"})
	}
	notes := releasenotes.Notes{Version: version, Repository: repository, Registries: registries, Fragments: fragments}
	if digestsPath != "" {
		f, err := os.Open(at(root, digestsPath))
		switch {
		case errors.Is(err, os.ErrNotExist):
		case err != nil:
			return "", err
		default:
			defer f.Close()
			if notes.Digests, err = releasenotes.ParseDigests(f); err != nil {
				return "", fmt.Errorf("%s: %w", digestsPath, err)
			}
		}
	}
	return notes.Markdown(), nil
}
