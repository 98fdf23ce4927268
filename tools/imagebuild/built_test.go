package imagebuild

import (
	"bytes"
	"context"
	"debug/buildinfo"
	"debug/elf"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"testing"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/tarball"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// These tests read what `make images` built; `make test-tools` builds the images first and names them.
func builtImages(t *testing.T) (dir, version string) {
	t.Helper()
	dir, version = os.Getenv("CSDR_IMAGES"), os.Getenv("CSDR_IMAGES_VERSION")
	if dir == "" || version == "" {
		t.Skip("CSDR_IMAGES and CSDR_IMAGES_VERSION name what make images built; make test-tools sets them")
	}
	return dir, version
}

// platformImages reads one image's layout: its index must hold exactly one image per platform.
func platformImages(t *testing.T, dir string, img Image, version string) (v1.ImageIndex, map[string]v1.Image) {
	t.Helper()
	idx, tag, err := ReadLayout(filepath.Join(dir, img.Name))
	require.NoError(t, err)
	assert.Equal(t, version, tag)
	m, err := idx.IndexManifest()
	require.NoError(t, err)
	require.Len(t, m.Manifests, len(Platforms))
	out := map[string]v1.Image{}
	for i, p := range Platforms {
		require.Equal(t, p, *m.Manifests[i].Platform)
		out[p.String()], err = idx.Image(m.Manifests[i].Digest)
		require.NoError(t, err)
	}
	return idx, out
}

var elfMachine = map[string]elf.Machine{"amd64": elf.EM_X86_64, "arm64": elf.EM_AARCH64}

func TestBuiltImagesHoldTheirBinariesAndRunAsNonroot(t *testing.T) {
	dir, version := builtImages(t)
	digests, err := os.ReadFile(filepath.Join(dir, DigestsFile))
	require.NoError(t, err)
	for _, img := range Images {
		t.Run(img.Name, func(t *testing.T) {
			idx, byPlatform := platformImages(t, dir, img, version)
			digest, err := idx.Digest()
			require.NoError(t, err)
			assert.Contains(t, string(digests), img.Name+" "+digest.String()+"\n")
			for _, p := range Platforms {
				image := byPlatform[p.String()]
				cfg, err := image.ConfigFile()
				require.NoError(t, err)
				assert.Equal(t, p.Architecture, cfg.Architecture)
				assert.Equal(t, img.Entrypoint, cfg.Config.Entrypoint)
				assert.Equal(t, img.Cmd, cfg.Config.Cmd)
				assert.Equal(t, "65532:65532", cfg.Config.User)
				assert.Equal(t, version, cfg.Config.Labels[VersionLabel])
				assert.Equal(t, Source, cfg.Config.Labels["org.opencontainers.image.source"])

				var files []string
				for _, f := range layerFiles(t, image) {
					if f.dir {
						continue
					}
					files = append(files, "/"+f.name)
					assert.EqualValues(t, 0o755, f.mode, f.name)
					bin, err := elf.NewFile(strings.NewReader(f.data))
					require.NoError(t, err, f.name)
					assert.Equal(t, elfMachine[p.Architecture], bin.Machine, "%s is built for %s", f.name, p)
					info, err := buildinfo.Read(strings.NewReader(f.data))
					require.NoError(t, err, f.name)
					// -trimpath keeps -ldflags out of the build info, so look for the stamped string itself.
					assert.Contains(t, f.data, version, "%s carries the version", f.name)
					assert.Equal(t, "true", buildSetting(info, "-trimpath"), f.name)
					assert.Equal(t, "0", buildSetting(info, "CGO_ENABLED"), "%s is static", f.name)
				}
				assert.Equal(t, img.paths(), files, "the image holds exactly its binaries")

				tag := tarballTag(t, filepath.Join(dir, TarballName(img.Name, p)))
				assert.True(t, strings.HasSuffix(tag.String(), "/"+img.Name+":"+version), tag.String())
				loaded, err := tarball.ImageFromPath(filepath.Join(dir, TarballName(img.Name, p)), &tag)
				require.NoError(t, err, "docker load finds the image by its tag")
				assert.Equal(t, configDigest(t, image), configDigest(t, loaded), "the tarball holds the layout's image")
			}
		})
	}
}

// Two builds of the same commit give the same digests: build again, into another directory.
func TestImagesAreReproducible(t *testing.T) {
	dir, version := builtImages(t)
	created := map[string]v1.Image{}
	var want []string
	for _, img := range Images {
		idx, byPlatform := platformImages(t, dir, img, version)
		d, err := idx.Digest()
		require.NoError(t, err)
		want = append(want, d.String())
		created[img.Name] = byPlatform[Platforms[0].String()]
	}
	cfg, err := created[Plugin.Name].ConfigFile()
	require.NoError(t, err)
	c := Compiler{Repo: filepath.Join("..", ".."), WorkDir: t.TempDir(), Version: version}
	built, err := BuildAll(context.Background(), c, cfg.Created.Time.UTC(), Images...)
	require.NoError(t, err)
	var got []string
	for _, b := range built {
		d, err := b.Index.Digest()
		require.NoError(t, err)
		got = append(got, d.String())
	}
	assert.Equal(t, want, got)
}

// Velero runs the plugin image as an init container, as its user, with an emptyDir (mode 0777) at
// /target, and then starts what it finds in that directory: the copier must put the plugin there, and
// nothing else. The test runs the image's entrypoint in the image's own unpacked files as uid 65532.
func TestCopierPutsThePluginWhereVeleroLooks(t *testing.T) {
	dir, version := builtImages(t)
	requireRoot(t)
	_, byPlatform := platformImages(t, dir, Plugin, version)
	image := byPlatform["linux/"+runtime.GOARCH]
	rootfs := unpack(t, image)
	require.NoError(t, os.Mkdir(filepath.Join(rootfs, "target"), 0o777))
	require.NoError(t, os.Chmod(filepath.Join(rootfs, "target"), 0o777))

	cfg, err := image.ConfigFile()
	require.NoError(t, err)
	out, err := runAsImageUser(t, rootfs, cfg, append(cfg.Config.Entrypoint, cfg.Config.Cmd...)...)
	require.NoError(t, err, out)
	assert.Contains(t, out, "cp-plugin "+version+": copied /plugins/velero-plugin-for-alibabacloud to /target/velero-plugin-for-alibabacloud")

	entries, err := os.ReadDir(filepath.Join(rootfs, "target"))
	require.NoError(t, err)
	require.Len(t, entries, 1, "only the plugin goes to Velero's plugin directory")
	assert.Equal(t, "velero-plugin-for-alibabacloud", entries[0].Name())
	copied, err := os.ReadFile(filepath.Join(rootfs, "target", entries[0].Name()))
	require.NoError(t, err)
	original, err := os.ReadFile(filepath.Join(rootfs, "plugins", "velero-plugin-for-alibabacloud"))
	require.NoError(t, err)
	assert.True(t, bytes.Equal(original, copied), "the copy is the image's plugin, byte for byte")
	info, err := entries[0].Info()
	require.NoError(t, err)
	assert.NotZero(t, info.Mode().Perm()&0o111, "executable")
	assert.EqualValues(t, 65532, info.Sys().(*syscall.Stat_t).Uid, "written by the image's user")

	// velero server runs the plugin from there: it starts, says its version, and waits for Velero's
	// handshake, which it refuses to do without.
	run, err := runAsImageUser(t, rootfs, cfg, "/target/velero-plugin-for-alibabacloud")
	assert.Error(t, err)
	assert.Contains(t, run, `"version":"`+version+`"`)
}

// csdr-controller's image has nothing but the binary: it must run there, as nonroot.
func TestControllerRunsInItsImage(t *testing.T) {
	dir, version := builtImages(t)
	requireRoot(t)
	_, byPlatform := platformImages(t, dir, Controller, version)
	image := byPlatform["linux/"+runtime.GOARCH]
	cfg, err := image.ConfigFile()
	require.NoError(t, err)
	out, err := runAsImageUser(t, unpack(t, image), cfg, append(cfg.Config.Entrypoint, "--help")...)
	require.NoError(t, err, out)
	assert.Contains(t, out, "-hbr-endpoint")
}

func requireRoot(t *testing.T) {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("running an image's files as its user needs root (chroot, setuid); CI runs as root")
	}
}

// unpack writes the image's files into a new directory, as a container runtime would.
func unpack(t *testing.T, image v1.Image) string {
	t.Helper()
	rootfs := t.TempDir()
	require.NoError(t, os.Chmod(rootfs, 0o755))
	rc := mutate.Extract(image)
	defer rc.Close()
	cmd := exec.Command("tar", "-x", "-p", "-C", rootfs)
	cmd.Stdin = rc
	out, err := cmd.CombinedOutput()
	require.NoError(t, err, string(out))
	return rootfs
}

// runAsImageUser runs argv in rootfs as the image's numeric user, with an empty environment.
func runAsImageUser(t *testing.T, rootfs string, cfg *v1.ConfigFile, argv ...string) (string, error) {
	t.Helper()
	user, group, _ := strings.Cut(cfg.Config.User, ":")
	uid, err := strconv.ParseUint(user, 10, 32)
	require.NoError(t, err, "user %q", cfg.Config.User)
	gid, err := strconv.ParseUint(group, 10, 32)
	require.NoError(t, err, "user %q", cfg.Config.User)
	cmd := exec.Command(argv[0], argv[1:]...)
	cmd.Env, cmd.Dir = []string{}, "/"
	cmd.SysProcAttr = &syscall.SysProcAttr{Chroot: rootfs, Credential: &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid)}}
	out, err := cmd.CombinedOutput()
	return string(out), err
}

func buildSetting(info *buildinfo.BuildInfo, key string) string {
	for _, s := range info.Settings {
		if s.Key == key {
			return s.Value
		}
	}
	return ""
}

func configDigest(t *testing.T, img v1.Image) string {
	t.Helper()
	d, err := img.ConfigName()
	require.NoError(t, err)
	return d.String()
}

// tarballTag is the one tag `docker load` gives the tarball's image.
func tarballTag(t *testing.T, file string) name.Tag {
	t.Helper()
	m, err := tarball.LoadManifest(func() (io.ReadCloser, error) { return os.Open(file) })
	require.NoError(t, err)
	require.Len(t, m, 1)
	require.Len(t, m[0].RepoTags, 1)
	tag, err := name.NewTag(m[0].RepoTags[0])
	require.NoError(t, err)
	return tag
}
