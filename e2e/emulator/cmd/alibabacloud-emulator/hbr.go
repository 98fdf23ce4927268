package main

import (
	"flag"
	"fmt"
	"time"

	"github.com/csdr-io/velero-plugin-for-alibabacloud/e2e/emulator/hbr"
)

// hbrFlags shape the emulated Cloud Backup; the admin API changes them while it runs.
type hbrFlags struct {
	throughput                    string
	jobStartDelay, vaultInitDelay time.Duration
	notActivated                  bool
}

func (h *hbrFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&h.throughput, "hbr-throughput", hbr.FormatThroughput(hbr.DefaultThroughput),
		`how fast an HBR backup or restore job reads and writes, e.g. "50MiB/s", or bytes per second; "unlimited" or 0 = no limit`)
	fs.DurationVar(&h.jobStartDelay, "hbr-job-start-delay", hbr.DefaultJobStartDelay, "how long a new HBR job stays CREATED; 0 = RUNNING at once")
	fs.DurationVar(&h.vaultInitDelay, "hbr-vault-init-delay", hbr.DefaultVaultInitDelay, "how long a new HBR vault stays INITIALIZING; 0 = CREATED at once")
	fs.BoolVar(&h.notActivated, "hbr-not-activated", false, "answer every HBR call as for an account that has not activated Cloud Backup")
}

func (h *hbrFlags) check() error {
	if _, err := hbr.ParseThroughput(h.throughput); err != nil {
		return fmt.Errorf("-hbr-throughput: %w", err)
	}
	if h.jobStartDelay < 0 || h.vaultInitDelay < 0 {
		return fmt.Errorf("-hbr-job-start-delay and -hbr-vault-init-delay must not be negative")
	}
	return nil
}

// options turns the flags' "0 = at once / unlimited" into hbr.Instant and hbr.Unlimited (in hbr.Options,
// 0 means the default).
func (h *hbrFlags) options() hbr.Options {
	n, _ := hbr.ParseThroughput(h.throughput)
	o := hbr.Options{Throughput: n, JobStartDelay: h.jobStartDelay, VaultInitDelay: h.vaultInitDelay, NotActivated: h.notActivated}
	if o.Throughput == 0 {
		o.Throughput = hbr.Unlimited
	}
	for _, d := range []*time.Duration{&o.JobStartDelay, &o.VaultInitDelay} {
		if *d == 0 {
			*d = hbr.Instant
		}
	}
	return o
}
