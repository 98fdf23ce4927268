// Package imagebuild builds this project's container images without a Docker engine: an empty base, one
// layer of files, a config, and a multi-platform index, written as an OCI image layout and as tarballs
// for `docker load`, and pushed to a registry. The same inputs give the same digests.
package imagebuild

import (
	"fmt"
	"path"
	"sort"
	"strings"
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/types"
)

// Image is what an image holds and how it runs, independent of platform and version.
type Image struct {
	Name       string // repository name, e.g. csdr-controller
	Binaries   []Binary
	Entrypoint []string
	Cmd        []string
	User       string
	// Labels beside the version label, which Build adds.
	Labels map[string]string
}

// Binary is one Go main package, built for the image's platform and placed at Path.
type Binary struct {
	Package string // as go build takes it, relative to the repository, e.g. ./plugins/cmd/cp-plugin
	Path    string // absolute path in the image; its base name is the package's
}

// VersionLabel is the OCI annotation key for the version stamped into the binaries.
const VersionLabel = "org.opencontainers.image.version"

// Platforms are the platforms every image is built for.
var Platforms = []v1.Platform{{OS: "linux", Architecture: "amd64"}, {OS: "linux", Architecture: "arm64"}}

// Build makes the image for one platform from files: each binary's image path to its content.
func (img Image) Build(p v1.Platform, version string, created time.Time, files map[string][]byte) (v1.Image, error) {
	entries := make([]layerEntry, 0, len(img.Binaries))
	for _, b := range img.Binaries {
		data, ok := files[b.Path]
		if !ok {
			return nil, fmt.Errorf("build image %s for %s: no content for %s", img.Name, p, b.Path)
		}
		entries = append(entries, layerEntry{path: b.Path, mode: 0o755, data: data})
	}
	layer, err := newLayer(entries, created)
	if err != nil {
		return nil, fmt.Errorf("build image %s for %s: %w", img.Name, p, err)
	}
	base := mutate.MediaType(empty.Image, types.OCIManifestSchema1)
	base = mutate.ConfigMediaType(base, types.OCIConfigJSON)
	withLayer, err := mutate.Append(base, mutate.Addendum{Layer: layer, MediaType: types.OCILayer,
		History: v1.History{Created: v1.Time{Time: created}, CreatedBy: "csdr-images: " + strings.Join(img.paths(), " ")}})
	if err != nil {
		return nil, fmt.Errorf("build image %s for %s: %w", img.Name, p, err)
	}
	cfg, err := withLayer.ConfigFile()
	if err != nil {
		return nil, err
	}
	cfg = cfg.DeepCopy()
	cfg.OS, cfg.Architecture, cfg.Variant = p.OS, p.Architecture, p.Variant
	cfg.Created = v1.Time{Time: created}
	cfg.Config.Entrypoint = img.Entrypoint
	cfg.Config.Cmd = img.Cmd
	cfg.Config.User = img.User
	cfg.Config.Labels = img.labels(version)
	out, err := mutate.ConfigFile(withLayer, cfg)
	if err != nil {
		return nil, fmt.Errorf("build image %s for %s: %w", img.Name, p, err)
	}
	return out, nil
}

// Index makes the multi-platform index from one image per platform, in the order of Platforms.
func Index(images map[string]v1.Image) (v1.ImageIndex, error) {
	idx := mutate.IndexMediaType(empty.Index, types.OCIImageIndex)
	for _, p := range Platforms {
		img, ok := images[p.String()]
		if !ok {
			return nil, fmt.Errorf("index: no image for %s", p)
		}
		platform := p
		idx = mutate.AppendManifests(idx, mutate.IndexAddendum{Add: img,
			Descriptor: v1.Descriptor{MediaType: types.OCIManifestSchema1, Platform: &platform}})
	}
	return idx, nil
}

func (img Image) labels(version string) map[string]string {
	labels := make(map[string]string, len(img.Labels)+1)
	for k, v := range img.Labels {
		labels[k] = v
	}
	labels[VersionLabel] = version
	return labels
}

// paths lists the image's files, sorted.
func (img Image) paths() []string {
	var out []string
	for _, b := range img.Binaries {
		out = append(out, b.Path)
	}
	sort.Strings(out)
	return out
}

// Packages lists the Go packages the image's binaries are built from.
func (img Image) Packages() []string {
	var out []string
	for _, b := range img.Binaries {
		out = append(out, b.Package)
	}
	return out
}

// binaryName is the file go build writes for a main package.
func binaryName(pkg string) string { return path.Base(pkg) }
