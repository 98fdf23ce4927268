package harness

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"time"
)

// buildProgressEvery is how often a long build reports that it is alive.
const buildProgressEvery = 15 * time.Second

// buildStep is one `go build` in one module. Each upstream component is pinned by a go.mod (and verified
// by a go.sum) under e2e/components, so what is downloaded and built is reproducible.
type buildStep struct {
	what    string // what the user reads
	module  string // the pinned module path, for its version; "" for this checkout
	dir     string // module directory, relative to the repository
	pkgs    []string
	out     string // -o: a file, or a directory ending in "/"
	tags    string // -tags, if any
	ldflags func(version string) string
	// version, if set, receives the pinned module's version.
	version *string
}

func (l Layout) buildSteps(bins *Binaries) []buildStep {
	k8sVersion := func(v string) string {
		// Velero stamps the server's version on every backup, and kubectl picks its skew from it:
		// without these the binaries report v0.0.0-master.
		const x = "k8s.io/component-base/version"
		minor := strings.Split(v, ".")[1]
		return fmt.Sprintf("-s -w -X %[1]s.gitVersion=%[2]s -X %[1]s.gitMajor=1 -X %[1]s.gitMinor=%[3]s "+
			"-X %[1]s.gitTreeState=clean -X %[1]s.buildDate=1970-01-01T00:00:00Z", x, v, minor)
	}
	plain := func(string) string { return "-s -w" }
	return []buildStep{
		{what: "kube-apiserver, kube-controller-manager, kube-scheduler, kubectl", module: "k8s.io/kubernetes", version: &bins.KubernetesVersion,
			dir: "e2e/components/kubernetes", out: l.BinDir() + "/", ldflags: k8sVersion,
			pkgs: []string{"k8s.io/kubernetes/cmd/kube-apiserver", "k8s.io/kubernetes/cmd/kube-controller-manager",
				"k8s.io/kubernetes/cmd/kube-scheduler", "k8s.io/kubernetes/cmd/kubectl"}},
		{what: "etcd", module: "go.etcd.io/etcd/server/v3", dir: "e2e/components/kubernetes",
			pkgs: []string{"go.etcd.io/etcd/server/v3"}, out: filepath.Join(l.BinDir(), "etcd"), ldflags: plain},
		{what: "kwok (the fake nodes' kubelets)", module: "sigs.k8s.io/kwok", dir: "e2e/components/kwok",
			pkgs: []string{"sigs.k8s.io/kwok/cmd/kwok"}, out: filepath.Join(l.BinDir(), "kwok"), ldflags: plain},
		{what: "velero (CLI and server)", module: "github.com/vmware-tanzu/velero", version: &bins.VeleroVersion, dir: "e2e/components/velero",
			pkgs: []string{"."}, out: filepath.Join(l.BinDir(), "velero"), ldflags: func(v string) string {
				return "-s -w -X github.com/vmware-tanzu/velero/pkg/buildinfo.Version=" + v
			}},
		{what: "helm (renders the vmware-tanzu/velero chart)", module: "helm.sh/helm/v3", dir: "e2e/components/helm",
			pkgs: []string{"helm.sh/helm/v3/cmd/helm"}, out: bins.Helm, ldflags: helmLDFlags},
		{what: "velero-plugin-for-alibabacloud", dir: ".",
			pkgs: []string{"./plugins/cmd/velero-plugin-for-alibabacloud"}, out: l.PluginDir() + "/", ldflags: plain},
		{what: "csdr-controller", dir: ".",
			pkgs: []string{"./controller/cmd/csdr-controller"}, out: bins.Controller, ldflags: plain},
		{what: "alibabacloud-emulator", dir: ".",
			pkgs: []string{"./e2e/emulator/cmd/alibabacloud-emulator"}, out: l.BinDir() + "/", ldflags: plain},
	}
}

// Build compiles every component the harness runs, reporting progress to out. Go's build cache makes
// it incremental: a step whose inputs did not change compiles and links nothing.
func (l Layout) Build(ctx context.Context, out io.Writer) (Binaries, error) {
	bins := l.Binaries()
	goBin, err := exec.LookPath("go")
	if err != nil {
		return bins, fmt.Errorf("the harness builds its components with the go command: %w", err)
	}
	for _, dir := range []string{l.BinDir(), l.PluginDir()} {
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return bins, err
		}
	}
	for _, s := range l.buildSteps(&bins) {
		version := "this checkout"
		if s.module != "" {
			if version, err = l.moduleVersion(ctx, goBin, filepath.Join(l.Repo, s.dir), s.module); err != nil {
				return bins, err
			}
			if s.version != nil {
				*s.version = version
			}
		}
		if err := l.runBuild(ctx, goBin, s, version, out); err != nil {
			return bins, err
		}
	}
	return bins, nil
}

// BuildNoActionsPlugin compiles our plugin with the csdr_noactions tag, which registers no item actions,
// into NoActionsPluginDir, and returns that directory. Only the restore benchmark needs it, so Build
// leaves it out.
func (l Layout) BuildNoActionsPlugin(ctx context.Context, out io.Writer) (string, error) {
	goBin, err := exec.LookPath("go")
	if err != nil {
		return "", fmt.Errorf("the harness builds its components with the go command: %w", err)
	}
	dir := l.NoActionsPluginDir()
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", err
	}
	step := buildStep{what: "velero-plugin-for-alibabacloud without item actions (-tags csdr_noactions)", dir: ".",
		pkgs: []string{"./plugins/cmd/velero-plugin-for-alibabacloud"}, out: dir + "/", tags: "csdr_noactions",
		ldflags: func(string) string { return "-s -w" }}
	return dir, l.runBuild(ctx, goBin, step, "this checkout", out)
}

func (l Layout) moduleVersion(ctx context.Context, goBin, dir, module string) (string, error) {
	cmd := exec.CommandContext(ctx, goBin, "list", "-m", "-f", "{{.Version}}", module)
	cmd.Dir = dir
	cmd.Env = l.buildEnv()
	v, err := cmd.Output()
	if err != nil {
		return "", fmt.Errorf("read the version of %s pinned in %s: %w%s", module, dir, err, stderrOf(err))
	}
	return strings.TrimSpace(string(v)), nil
}

// buildEnv is the environment of every go command the harness runs: static binaries, component modules
// that build on their own even inside a Go workspace, and the module and build caches inside the
// checkout (as the Makefile sets them) unless the caller chose others.
func (l Layout) buildEnv() []string {
	env := append(os.Environ(), "CGO_ENABLED=0", "GOWORK=off")
	if os.Getenv("GOMODCACHE") == "" {
		env = append(env, "GOMODCACHE="+filepath.Join(l.Cache(), "go", "mod"))
	}
	if os.Getenv("GOCACHE") == "" {
		env = append(env, "GOCACHE="+filepath.Join(l.Cache(), "go", "build"))
	}
	return env
}

func (l Layout) runBuild(ctx context.Context, goBin string, s buildStep, version string, out io.Writer) error {
	fmt.Fprintf(out, "==> build %s (%s)\n", s.what, version)
	args := []string{"build", "-v", "-mod=readonly", "-trimpath", "-buildvcs=false", "-ldflags", s.ldflags(version), "-o", s.out}
	if s.tags != "" {
		args = append(args, "-tags", s.tags)
	}
	args = append(args, s.pkgs...)
	cmd := exec.CommandContext(ctx, goBin, args...)
	cmd.Dir = filepath.Join(l.Repo, s.dir)
	cmd.Env = l.buildEnv()
	stderr, err := cmd.StderrPipe()
	if err != nil {
		return err
	}
	start := time.Now()
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("build %s: %w", s.what, err)
	}
	// -v names each package as it is compiled; downloads and errors pass through.
	var (
		mu       sync.Mutex
		compiled int
		errLines []string
	)
	stop := make(chan struct{})
	ticker := time.NewTicker(buildProgressEvery)
	defer ticker.Stop()
	go func() {
		for {
			select {
			case <-stop:
				return
			case <-ticker.C:
				mu.Lock()
				fmt.Fprintf(out, "    ... %d packages compiled, %s\n", compiled, since(start))
				mu.Unlock()
			}
		}
	}()
	sc := bufio.NewScanner(stderr)
	for sc.Scan() {
		line := sc.Text()
		mu.Lock()
		switch {
		case strings.HasPrefix(line, "go: downloading "):
			fmt.Fprintf(out, "    %s\n", line)
		case isPackagePath(line):
			compiled++
		default:
			errLines = append(errLines, line)
		}
		mu.Unlock()
	}
	err = cmd.Wait()
	close(stop)
	if err != nil {
		return fmt.Errorf("build %s: %w\n%s", s.what, err, strings.Join(errLines, "\n"))
	}
	if compiled == 0 {
		fmt.Fprintf(out, "    up to date (%s)\n", since(start))
	} else {
		fmt.Fprintf(out, "    built: %d packages compiled in %s\n", compiled, since(start))
	}
	return nil
}

// isPackagePath tells `go build -v` package lines ("k8s.io/api/core/v1", "command-line-arguments") from
// messages, which contain spaces or colons.
func isPackagePath(line string) bool {
	return line != "" && !strings.ContainsAny(line, " \t:")
}

func stderrOf(err error) string {
	if ee, ok := err.(*exec.ExitError); ok && len(ee.Stderr) > 0 {
		return ": " + string(bytes.TrimSpace(ee.Stderr))
	}
	return ""
}

func since(t time.Time) string { return time.Since(t).Round(100 * time.Millisecond).String() }
