package imagebuild

import (
	"archive/tar"
	"context"
	"io"
	"log"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"testing"
	"time"

	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/registry"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/google/go-containerregistry/pkg/v1/tarball"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

var testImage = Image{
	Name:       "test-image",
	Binaries:   []Binary{{Package: "./cmd/b", Path: "/plugins/b"}, {Package: "./cmd/a", Path: "/plugins/a"}},
	Entrypoint: []string{"/plugins/a"},
	Cmd:        []string{"/plugins/b", "/target"},
	User:       "65532:65532",
	Labels:     map[string]string{"org.opencontainers.image.source": Source},
}

var testCreated = time.Unix(1700000000, 0).UTC()

func testFiles(arch string) map[string][]byte {
	return map[string][]byte{"/plugins/a": []byte("copier for " + arch), "/plugins/b": []byte("plugin for " + arch)}
}

func buildTestIndex(t *testing.T, version string, files func(string) map[string][]byte) Built {
	t.Helper()
	byArch := map[string]v1.Image{}
	for _, p := range Platforms {
		img, err := testImage.Build(p, version, testCreated, files(p.Architecture))
		require.NoError(t, err)
		byArch[p.String()] = img
	}
	idx, err := Index(byArch)
	require.NoError(t, err)
	return Built{Image: testImage, Index: idx, ByArch: byArch}
}

func TestBuildIsReproducibleAndFollowsItsInputs(t *testing.T) {
	digest := func(b Built) string {
		d, err := b.Index.Digest()
		require.NoError(t, err)
		return d.String()
	}
	first := digest(buildTestIndex(t, "v1.0.0", testFiles))
	assert.Equal(t, first, digest(buildTestIndex(t, "v1.0.0", testFiles)), "same inputs, same digest")
	assert.NotEqual(t, first, digest(buildTestIndex(t, "v1.0.1", testFiles)), "the version is in the labels")
	assert.NotEqual(t, first, digest(buildTestIndex(t, "v1.0.0", func(arch string) map[string][]byte {
		f := testFiles(arch)
		f["/plugins/b"] = append(f["/plugins/b"], '!')
		return f
	})), "a changed binary changes the digest")
}

func TestBuildConfigAndLayer(t *testing.T) {
	built := buildTestIndex(t, "v1.2.3", testFiles)
	m, err := built.Index.IndexManifest()
	require.NoError(t, err)
	require.Len(t, m.Manifests, 2)
	for i, p := range Platforms {
		assert.Equal(t, p, *m.Manifests[i].Platform)
		img, err := built.Index.Image(m.Manifests[i].Digest)
		require.NoError(t, err)
		cfg, err := img.ConfigFile()
		require.NoError(t, err)
		assert.Equal(t, p.Architecture, cfg.Architecture)
		assert.Equal(t, "linux", cfg.OS)
		assert.Equal(t, testCreated, cfg.Created.Time.UTC())
		assert.Equal(t, []string{"/plugins/a"}, cfg.Config.Entrypoint)
		assert.Equal(t, []string{"/plugins/b", "/target"}, cfg.Config.Cmd)
		assert.Equal(t, "65532:65532", cfg.Config.User)
		assert.Equal(t, map[string]string{"org.opencontainers.image.source": Source, VersionLabel: "v1.2.3"}, cfg.Config.Labels)
		assert.Equal(t, []layerFile{
			{name: "plugins/", dir: true, mode: 0o755},
			{name: "plugins/a", mode: 0o755, data: "copier for " + p.Architecture},
			{name: "plugins/b", mode: 0o755, data: "plugin for " + p.Architecture},
		}, layerFiles(t, img))
	}
}

func TestBuildRefusesAMissingBinary(t *testing.T) {
	_, err := testImage.Build(Platforms[0], "v1", testCreated, map[string][]byte{"/plugins/a": []byte("x")})
	assert.ErrorContains(t, err, "no content for /plugins/b")
}

func TestWriteAndPush(t *testing.T) {
	built := buildTestIndex(t, "v1.2.3", testFiles)
	want, err := built.Index.Digest()
	require.NoError(t, err)
	dir := t.TempDir()
	require.NoError(t, Write(dir, "registry.example.com/csdr", "v1.2.3", []Built{built}))

	idx, version, err := ReadLayout(filepath.Join(dir, testImage.Name))
	require.NoError(t, err)
	assert.Equal(t, "v1.2.3", version)
	got, err := idx.Digest()
	require.NoError(t, err)
	assert.Equal(t, want, got, "the layout holds the index that was built")
	assert.FileExists(t, filepath.Join(dir, DigestsFile))

	for _, p := range Platforms {
		tag, err := name.NewTag("registry.example.com/csdr/test-image:v1.2.3")
		require.NoError(t, err)
		img, err := tarball.ImageFromPath(filepath.Join(dir, TarballName(testImage.Name, p)), &tag)
		require.NoError(t, err, "docker load finds the image by its tag")
		assert.Equal(t, layerFiles(t, built.ByArch[p.String()]), layerFiles(t, img))
	}

	// A registry of our own, in memory: what `make push-images` does, minus the network.
	server := httptest.NewServer(registry.New(registry.Logger(log.New(io.Discard, "", 0))))
	defer server.Close()
	u, err := url.Parse(server.URL)
	require.NoError(t, err)
	pushed, err := Push(context.Background(), dir, u.Host+"/csdr", []Image{testImage})
	require.NoError(t, err)
	require.Equal(t, []string{u.Host + "/csdr/test-image@" + want.String()}, pushed)
	ref, err := name.ParseReference(u.Host + "/csdr/test-image:v1.2.3")
	require.NoError(t, err)
	remoteIdx, err := remote.Index(ref)
	require.NoError(t, err)
	remoteDigest, err := remoteIdx.Digest()
	require.NoError(t, err)
	assert.Equal(t, want, remoteDigest, "the registry serves the tag as the index that was built")
}

type layerFile struct {
	name string
	dir  bool
	mode int64
	data string
}

// layerFiles reads the image's single layer, checking what every entry must have: root owner, the
// build's time.
func layerFiles(t *testing.T, img v1.Image) []layerFile {
	t.Helper()
	layers, err := img.Layers()
	require.NoError(t, err)
	require.Len(t, layers, 1)
	rc, err := layers[0].Uncompressed()
	require.NoError(t, err)
	defer rc.Close()
	var out []layerFile
	tr := tar.NewReader(rc)
	for {
		h, err := tr.Next()
		if err == io.EOF {
			return out
		}
		require.NoError(t, err)
		assert.Zero(t, h.Uid, h.Name)
		assert.Zero(t, h.Gid, h.Name)
		data, err := io.ReadAll(tr)
		require.NoError(t, err)
		out = append(out, layerFile{name: h.Name, dir: h.Typeflag == tar.TypeDir, mode: h.Mode, data: string(data)})
	}
}
