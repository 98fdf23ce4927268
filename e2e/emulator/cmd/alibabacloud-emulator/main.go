// Command alibabacloud-emulator serves the local Alibaba Cloud emulator (OSS, ECS and HBR) on a loopback port.
//
//	alibabacloud-emulator -bucket velero -credentials-file creds.txt -latency 40ms -bandwidth 6250000 \
//	    -fault op=UploadPart,status=503,code=ServiceUnavailable,p=0.1,count=5 \
//	    -ecs-regions regions.json -ecs-snapshot-duration 5s -fault service=ecs,op=CreateSnapshot,code=Throttling.User,count=2 \
//	    -hbr-throughput 50MiB/s -hbr-job-start-delay 1s -fault service=hbr,op=CreateBackupJob,loseAnswer=true,count=1
//
// When ready it prints exactly one line to stdout, "listening on http://127.0.0.1:PORT", so scripts can wait
// for it; logs go to stderr. SIGINT or SIGTERM shuts it down cleanly.
package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/sirupsen/logrus"

	"github.com/csdr-io/velero-plugin-for-alibabacloud/e2e/emulator"
	"github.com/csdr-io/velero-plugin-for-alibabacloud/e2e/emulator/ecs"
	"github.com/csdr-io/velero-plugin-for-alibabacloud/e2e/emulator/faults"
	"github.com/csdr-io/velero-plugin-for-alibabacloud/e2e/emulator/hbr"
)

const shutdownGrace = 10 * time.Second

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Stdout, os.Stderr); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return
		}
		fmt.Fprintln(os.Stderr, "alibabacloud-emulator:", err)
		os.Exit(1)
	}
}

type config struct {
	addr, dataDir, region    string
	buckets                  listFlag
	accessKeyID, secret      string
	securityToken, credsFile string
	latency                  time.Duration
	bandwidth                int64
	sharedUplink             bool
	faults                   faultFlag
	logLevel                 string
	ecsRegions               string
	ecsDisk, ecsSnapshot     time.Duration
	hbr                      hbrFlags
}

type listFlag []string

func (l *listFlag) String() string     { return strings.Join(*l, ",") }
func (l *listFlag) Set(v string) error { *l = append(*l, v); return nil }

type faultFlag []faults.Fault

func (f *faultFlag) String() string { return fmt.Sprintf("%d faults", len(*f)) }
func (f *faultFlag) Set(v string) error {
	parsed, err := faults.Parse(v)
	if err != nil {
		return err
	}
	*f = append(*f, parsed)
	return nil
}

func parseFlags(args []string, stderr io.Writer) (config, error) {
	var cfg config
	fs := flag.NewFlagSet("alibabacloud-emulator", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&cfg.addr, "addr", "127.0.0.1:9400", "listen address; loopback only (the admin API is unauthenticated)")
	fs.StringVar(&cfg.dataDir, "data", "", "state directory, kept across restarts; empty = a temporary directory removed at exit")
	fs.StringVar(&cfg.region, "region", emulator.DefaultRegion, "region OSS serves; V4 signatures must be scoped to it (ECS serves every region of -ecs-regions)")
	fs.Var(&cfg.buckets, "bucket", "bucket to create at start (repeatable; existing buckets are kept)")
	fs.StringVar(&cfg.accessKeyID, "access-key-id", "", "AccessKey ID to accept")
	fs.StringVar(&cfg.secret, "access-key-secret", "", "AccessKey secret of -access-key-id")
	fs.StringVar(&cfg.securityToken, "security-token", "", "makes -access-key-id an STS key that requires this token")
	fs.StringVar(&cfg.credsFile, "credentials-file", "", "file with one key per line: ID SECRET [TOKEN]; # starts a comment")
	fs.DurationVar(&cfg.latency, "latency", 0, "WAN round-trip time, charged per round trip of each connection (a new one pays one more for its handshake), e.g. 40ms")
	fs.Int64Var(&cfg.bandwidth, "bandwidth", 0, "bandwidth cap per connection and direction, in bytes per second; 0 = none")
	fs.BoolVar(&cfg.sharedUplink, "shared-uplink", false, "make -bandwidth one link shared by all connections (an office uplink) instead of a cap on each")
	fs.Var(&cfg.faults, "fault", "fault to inject (repeatable), e.g. op=UploadPart,status=503,code=ServiceUnavailable,p=0.1,count=5 or op=PutObject,reset=true; "+
		"bucket=NAME limits it to one bucket; ECS: service=ecs,op=CreateSnapshot,code=Throttling.User,count=2, resource=REGION or REGION/DISK-OR-SNAPSHOT-ID")
	fs.StringVar(&cfg.ecsRegions, "ecs-regions", "", "ECS regions, zones and the disk categories each zone sells: a JSON array inline, e.g. "+
		`'[{"id":"cn-hangzhou","zones":[{"id":"cn-hangzhou-h","diskCategories":["cloud_essd","cloud_auto"]}]}]', `+
		"or the path of a file holding one; empty = cn-hangzhou (zones h, i, j), cn-beijing (h, i; i sells no cloud_efficiency), cn-shanghai (l, m)")
	fs.DurationVar(&cfg.ecsDisk, "ecs-disk-duration", ecs.DefaultDiskCreateDuration, "how long a new ECS disk stays Creating; 0 = Available at once")
	fs.DurationVar(&cfg.ecsSnapshot, "ecs-snapshot-duration", ecs.DefaultSnapshotDuration, "how long a new ECS snapshot stays progressing; 0 = accomplished at once")
	cfg.hbr.register(fs)
	fs.StringVar(&cfg.logLevel, "log-level", "info", "log level: debug logs every request")
	if err := fs.Parse(args); err != nil {
		return config{}, err
	}
	if fs.NArg() > 0 {
		return config{}, fmt.Errorf("unexpected arguments: %s", strings.Join(fs.Args(), " "))
	}
	if cfg.latency < 0 || cfg.bandwidth < 0 {
		return config{}, fmt.Errorf("-latency and -bandwidth must not be negative")
	}
	if cfg.ecsDisk < 0 || cfg.ecsSnapshot < 0 {
		return config{}, fmt.Errorf("-ecs-disk-duration and -ecs-snapshot-duration must not be negative")
	}
	if err := cfg.hbr.check(); err != nil {
		return config{}, err
	}
	return cfg, nil
}

// ecsOptions reads the region model and turns the flags' "0 = at once" into ecs.Instant (in ecs.Options,
// 0 means the default).
func ecsOptions(cfg config) (ecs.Options, error) {
	opts := ecs.Options{DiskCreateDuration: cfg.ecsDisk, SnapshotDuration: cfg.ecsSnapshot}
	for _, d := range []*time.Duration{&opts.DiskCreateDuration, &opts.SnapshotDuration} {
		if *d == 0 {
			*d = ecs.Instant
		}
	}
	if cfg.ecsRegions != "" {
		regions, err := ecs.ReadRegions(cfg.ecsRegions)
		if err != nil {
			return ecs.Options{}, fmt.Errorf("-ecs-regions: %w", err)
		}
		opts.Regions = regions
	}
	return opts, nil
}

// collectCredentials collects the keys from the flags and the credentials file. Errors name the line, never a
// secret.
func collectCredentials(cfg config) ([]emulator.Credential, error) {
	var creds []emulator.Credential
	switch {
	case cfg.accessKeyID != "" && cfg.secret != "":
		creds = append(creds, emulator.Credential{AccessKeyID: cfg.accessKeyID, AccessKeySecret: cfg.secret, SecurityToken: cfg.securityToken})
	case cfg.accessKeyID != "" || cfg.secret != "" || cfg.securityToken != "":
		return nil, fmt.Errorf("-access-key-id and -access-key-secret go together")
	}
	if cfg.credsFile != "" {
		fromFile, err := readCredentialsFile(cfg.credsFile)
		if err != nil {
			return nil, err
		}
		creds = append(creds, fromFile...)
	}
	if len(creds) == 0 {
		return nil, fmt.Errorf("no credentials: pass -access-key-id and -access-key-secret, or -credentials-file")
	}
	return creds, nil
}

func readCredentialsFile(path string) ([]emulator.Credential, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("read credentials file: %w", err)
	}
	defer f.Close()
	var creds []emulator.Credential
	sc := bufio.NewScanner(f)
	for line := 1; sc.Scan(); line++ {
		text := strings.TrimSpace(sc.Text())
		if text == "" || strings.HasPrefix(text, "#") {
			continue
		}
		fields := strings.Fields(text)
		if len(fields) < 2 || len(fields) > 3 {
			return nil, fmt.Errorf("credentials file %s line %d: want ID SECRET [TOKEN], got %d fields", path, line, len(fields))
		}
		c := emulator.Credential{AccessKeyID: fields[0], AccessKeySecret: fields[1]}
		if len(fields) == 3 {
			c.SecurityToken = fields[2]
		}
		creds = append(creds, c)
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("read credentials file %s: %w", path, err)
	}
	if len(creds) == 0 {
		return nil, fmt.Errorf("credentials file %s has no keys", path)
	}
	return creds, nil
}

// checkLoopback refuses anything but a loopback address: the admin API has no authentication, and the
// emulator accepts made-up keys, so it must never be reachable from another machine.
func checkLoopback(addr string) error {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return fmt.Errorf("invalid -addr %q: %w", addr, err)
	}
	if host == "localhost" {
		return nil
	}
	if ip := net.ParseIP(host); ip != nil && ip.IsLoopback() {
		return nil
	}
	return fmt.Errorf("refusing to listen on %q: the emulator's admin API is unauthenticated, so only loopback "+
		"addresses are allowed (127.0.0.1, ::1, localhost)", addr)
}

func newLogger(level string, out io.Writer) (*logrus.Logger, error) {
	lvl, err := logrus.ParseLevel(level)
	if err != nil {
		return nil, fmt.Errorf("invalid -log-level: %w", err)
	}
	log := logrus.New()
	log.SetOutput(out)
	log.SetLevel(lvl)
	return log, nil
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	cfg, err := parseFlags(args, stderr)
	if err != nil {
		return err
	}
	creds, err := collectCredentials(cfg)
	if err != nil {
		return err
	}
	if err := checkLoopback(cfg.addr); err != nil {
		return err
	}
	log, err := newLogger(cfg.logLevel, stderr)
	if err != nil {
		return err
	}
	ecsOpts, err := ecsOptions(cfg)
	if err != nil {
		return err
	}
	em, err := emulator.New(emulator.Options{DataDir: cfg.dataDir, Region: cfg.region, Credentials: creds,
		Buckets: cfg.buckets, ECS: ecsOpts, HBR: cfg.hbr.options(), Logger: log})
	if err != nil {
		return err
	}
	if cfg.sharedUplink {
		em.Faults().SetSharedUplink(cfg.latency, cfg.bandwidth)
	} else {
		em.Faults().SetNetwork(cfg.latency, cfg.bandwidth)
	}
	for _, f := range cfg.faults {
		em.Faults().Add(f)
	}
	l, err := net.Listen("tcp", cfg.addr)
	if err != nil {
		_ = em.Close()
		return fmt.Errorf("listen: %w", err)
	}
	// "localhost" is trusted above; make sure it really resolved to loopback.
	if tcp, ok := l.Addr().(*net.TCPAddr); !ok || !tcp.IP.IsLoopback() {
		_ = l.Close()
		_ = em.Close()
		return fmt.Errorf("refusing to serve on %s: not a loopback address", l.Addr())
	}

	ids := make([]string, 0, len(creds))
	for _, c := range creds {
		ids = append(ids, c.AccessKeyID)
	}
	var ecsRegions []string
	for _, r := range em.ECS().State().Regions {
		ecsRegions = append(ecsRegions, r.ID)
	}
	log.WithFields(logrus.Fields{"region": em.Region(), "data": em.DataDir(), "buckets": cfg.buckets,
		"access_key_ids": ids, "latency": cfg.latency, "bandwidth": cfg.bandwidth, "shared_uplink": cfg.sharedUplink, "faults": len(cfg.faults),
		"ecs_regions": ecsRegions, "ecs_disk_duration": cfg.ecsDisk, "ecs_snapshot_duration": cfg.ecsSnapshot,
		"hbr_throughput": hbr.FormatThroughput(em.HBR().Settings().Throughput), "hbr_job_start_delay": cfg.hbr.jobStartDelay}).Info("emulator ready")

	served := make(chan error, 1)
	go func() { served <- em.Serve(l) }()
	if _, err := fmt.Fprintf(stdout, "listening on http://%s\n", l.Addr()); err != nil {
		_ = em.Close()
		return fmt.Errorf("announce address: %w", err)
	}

	select {
	case err := <-served:
		return errors.Join(err, em.Close())
	case <-ctx.Done():
	}
	log.Info("shutting down")
	sctx, cancel := context.WithTimeout(context.Background(), shutdownGrace)
	defer cancel()
	err = em.Shutdown(sctx)
	return errors.Join(err, <-served)
}
