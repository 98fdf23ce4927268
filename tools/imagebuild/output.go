package imagebuild

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/layout"
	"github.com/google/go-containerregistry/pkg/v1/tarball"
)

// RefNameAnnotation names the tag of an index in an OCI image layout's index.json.
const RefNameAnnotation = "org.opencontainers.image.ref.name"

// DigestsFile lists each image's index digest, one "<name> <digest>" line each, for signing.
const DigestsFile = "digests.txt"

// Built is one image's index and the image of each platform in it.
type Built struct {
	Image  Image
	Index  v1.ImageIndex
	ByArch map[string]v1.Image // by v1.Platform.String()
}

// BuildAll compiles and assembles every image for every platform.
func BuildAll(ctx context.Context, c Compiler, created time.Time, images ...Image) ([]Built, error) {
	perImage := make([]map[string]v1.Image, len(images))
	for i := range images {
		perImage[i] = map[string]v1.Image{}
	}
	for _, p := range Platforms {
		files, err := c.Compile(ctx, p, images...)
		if err != nil {
			return nil, err
		}
		for i, img := range images {
			built, err := img.Build(p, c.Version, created, files)
			if err != nil {
				return nil, err
			}
			perImage[i][p.String()] = built
		}
	}
	out := make([]Built, 0, len(images))
	for i, img := range images {
		idx, err := Index(perImage[i])
		if err != nil {
			return nil, fmt.Errorf("image %s: %w", img.Name, err)
		}
		out = append(out, Built{Image: img, Index: idx, ByArch: perImage[i]})
	}
	return out, nil
}

// Write puts each image into dir: an OCI image layout in dir/<name> whose index.json names the
// multi-platform index by version, a `docker load` tarball per platform tagged <registry>/<name>:<version>,
// and the digests file.
func Write(dir, registry, version string, built []Built) error {
	var lines []string
	for _, b := range built {
		if err := writeLayout(filepath.Join(dir, b.Image.Name), version, b.Index); err != nil {
			return fmt.Errorf("write image %s: %w", b.Image.Name, err)
		}
		tag, err := name.NewTag(registry + "/" + b.Image.Name + ":" + version)
		if err != nil {
			return fmt.Errorf("write image %s: %w", b.Image.Name, err)
		}
		for _, p := range Platforms {
			file := filepath.Join(dir, TarballName(b.Image.Name, p))
			if err := tarball.WriteToFile(file, tag, b.ByArch[p.String()]); err != nil {
				return fmt.Errorf("write image %s: %w", b.Image.Name, err)
			}
		}
		digest, err := b.Index.Digest()
		if err != nil {
			return err
		}
		lines = append(lines, b.Image.Name+" "+digest.String())
	}
	sort.Strings(lines)
	return os.WriteFile(filepath.Join(dir, DigestsFile), []byte(strings.Join(lines, "\n")+"\n"), 0o644)
}

// TarballName is the file of an image's `docker load` tarball for one platform.
func TarballName(image string, p v1.Platform) string {
	return fmt.Sprintf("%s-%s-%s.tar", image, p.OS, p.Architecture)
}

func writeLayout(dir, version string, idx v1.ImageIndex) error {
	if err := os.RemoveAll(dir); err != nil {
		return err
	}
	p, err := layout.Write(dir, empty.Index)
	if err != nil {
		return err
	}
	return p.AppendIndex(idx, layout.WithAnnotations(map[string]string{RefNameAnnotation: version}))
}

// ReadLayout returns the index an image layout written by Write holds, and its version.
func ReadLayout(dir string) (v1.ImageIndex, string, error) {
	p, err := layout.FromPath(dir)
	if err != nil {
		return nil, "", fmt.Errorf("read image layout %s: %w", dir, err)
	}
	top, err := p.ImageIndex()
	if err != nil {
		return nil, "", fmt.Errorf("read image layout %s: %w", dir, err)
	}
	m, err := top.IndexManifest()
	if err != nil {
		return nil, "", fmt.Errorf("read image layout %s: %w", dir, err)
	}
	if len(m.Manifests) != 1 || m.Manifests[0].Annotations[RefNameAnnotation] == "" {
		return nil, "", fmt.Errorf("read image layout %s: want one index named by %s, found %d entries", dir, RefNameAnnotation, len(m.Manifests))
	}
	idx, err := top.ImageIndex(m.Manifests[0].Digest)
	if err != nil {
		return nil, "", fmt.Errorf("read image layout %s: %w", dir, err)
	}
	return idx, m.Manifests[0].Annotations[RefNameAnnotation], nil
}
