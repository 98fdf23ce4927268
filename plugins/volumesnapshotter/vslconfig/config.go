// Package vslconfig reads and validates a VolumeSnapshotLocation's config. It is apart from the
// snapshotter so that its fuzz target, and the end-to-end checks of installed locations, compile no
// cloud SDK and no Velero.
package vslconfig

import (
	"fmt"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/csdr-io/velero-plugin-for-alibabacloud/pkg/alibaba"
	"github.com/csdr-io/velero-plugin-for-alibabacloud/plugins/internal/locationconfig"
)

// Config keys of a VolumeSnapshotLocation. The first block is what the existing open-source Alibaba
// plugin accepts on every location kind, so its locations work unchanged; the second is new.
const (
	KeyRegion          = "region"
	keyZone            = "zone"
	KeyNetwork         = "network" // accepted and ignored: ECS endpoints do not depend on it
	keyEndpoint        = "endpoint"
	keyNotOnECS        = "notOnECS"
	keyCredentialsFile = "credentialsFile" // added by Velero from spec.credential

	keySnapshotRetentionDays = "snapshotRetentionDays"
	keyDefaultRetentionDays  = "defaultRetentionDays"
	keyInstantAccess         = "instantAccess"
	keyKMSKeyID              = "kmsKeyId"
	keyRestoreTimeout        = "restoreTimeout"
)

var configKeys = []string{
	KeyRegion, keyZone, KeyNetwork, keyEndpoint, keyNotOnECS, keyCredentialsFile,
	keySnapshotRetentionDays, keyDefaultRetentionDays, keyInstantAccess, keyKMSKeyID, keyRestoreTimeout,
}

// networks are the values of network, as a BackupStorageLocation takes them: a typo still fails.
var networks = []string{"public", "internal", "accelerate"}

// Values snapshotRetentionDays accepts besides a number of days.
const (
	retentionFollowBackup = "backup"
	retentionNone         = "none"
)

// Limits of the config values.
const (
	maxRetentionDays      = 65536            // the most ECS CreateSnapshot/CopySnapshot accept
	defaultRetentionDays  = 30               // what ACK Backup Center's default VolumeSnapshotClass keeps
	defaultRestoreTimeout = 30 * time.Minute // the error message of restoreTimeout names these three
	minRestoreTimeout     = time.Minute
	maxRestoreTimeout     = 24 * time.Hour
	maxKMSKeyIDLength     = 256
)

// Config is a validated VolumeSnapshotLocation config.
type Config struct {
	// Region is where this location takes snapshots and where restores create disks. When the config
	// has no region, it is the one the endpoint names, or "": Init asks the ECS metadata service then.
	Region string
	// RegionFrom says where Region came from when the config has no region key (the endpoint, or the
	// metadata service), for the warning Init logs; "" when the config names it.
	RegionFrom string
	// Zone is the zone restores fall back to when neither Velero nor the snapshot names a usable one.
	// It belongs to Region; "" means no fallback.
	Zone string
	// Network is the existing plugin's network key, kept only to say that it is ignored.
	Network string
	// Endpoint overrides the ECS endpoints: "https://host[:port]", or "http://..." for an emulator.
	// "" means the regional endpoint of each region a request is for.
	Endpoint string
	// NotOnECS turns off the ECS RAM role (instance metadata) fallback for credentials.
	NotOnECS bool
	// CredentialsFile is the file Velero writes from the location's spec.credential; "" for none.
	CredentialsFile string
	// RetentionDays and RetentionNone are what snapshotRetentionDays says about how long ECS keeps the
	// snapshots: ECS deletes them by itself afterwards, so a cluster lost with its Velero does not leak
	// snapshots forever. RetentionDays > 0 is a fixed number of days ("30"); RetentionNone keeps them
	// until deleted ("none"); neither follows the backup's expiry ("backup" or unset, the default).
	RetentionDays int
	RetentionNone bool
	// DefaultRetentionDays stands in for the backup's expiry when retention follows the backup but the
	// backup's TTL cannot be read or is zero.
	DefaultRetentionDays int
	// InstantAccess creates ESSD snapshots with instant access, usable for new disks within seconds.
	InstantAccess bool
	// KMSKeyID encrypts the disks and snapshot copies made in Region. Restoring an encrypted disk into
	// another region needs it: the source disk's key does not exist there. "" keeps ECS's choice.
	KMSKeyID string
	// RestoreTimeout bounds how long a restore waits for a cross-region snapshot copy and for the
	// new disk to become Available.
	RestoreTimeout time.Duration
}

var (
	kmsKeyIDPattern = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9_./:@-]*$`) // key ID, alias/..., or acs:kms:... ARN
	// endpointRegion reads the region from ECS's regional endpoints: ecs.cn-beijing.aliyuncs.com,
	// ecs-vpc.cn-beijing.aliyuncs.com, ecs-cn-beijing.aliyuncs.com.
	endpointRegion = regexp.MustCompile(`^ecs(?:-vpc)?[.-]([a-z]{2,}(?:-[a-z0-9]+)+)\.aliyuncs\.com$`)
)

// ParseConfig validates every key of a location's config. Errors name the key, the value and what the
// key accepts.
func ParseConfig(m map[string]string) (Config, error) {
	if err := locationconfig.CheckKeys(m, configKeys); err != nil {
		return Config{}, err
	}
	cfg := Config{CredentialsFile: m[keyCredentialsFile], Zone: m[keyZone]}
	var err error
	if cfg.Network, err = parseNetwork(m[KeyNetwork]); err != nil {
		return Config{}, err
	}
	if cfg.Endpoint, err = parseEndpoint(m[keyEndpoint]); err != nil {
		return Config{}, err
	}
	if cfg.Region, cfg.RegionFrom, err = parseRegion(m[KeyRegion], cfg.Endpoint); err != nil {
		return Config{}, err
	}
	if err := cfg.CheckZone(); err != nil {
		return Config{}, err
	}
	if cfg.NotOnECS, err = locationconfig.Bool(m, keyNotOnECS, false); err != nil {
		return Config{}, err
	}
	if cfg.InstantAccess, err = locationconfig.Bool(m, keyInstantAccess, true); err != nil {
		return Config{}, err
	}
	if cfg.RetentionDays, cfg.RetentionNone, err = parseSnapshotRetention(m[keySnapshotRetentionDays]); err != nil {
		return Config{}, err
	}
	if cfg.DefaultRetentionDays, err = parseDefaultRetentionDays(m[keyDefaultRetentionDays]); err != nil {
		return Config{}, err
	}
	if cfg.KMSKeyID, err = parseKMSKeyID(m[keyKMSKeyID]); err != nil {
		return Config{}, err
	}
	if cfg.RestoreTimeout, err = parseRestoreTimeout(m[keyRestoreTimeout]); err != nil {
		return Config{}, err
	}
	return cfg, nil
}

// parseRegion returns the region the config names, else the one its endpoint names, else "".
func parseRegion(region, endpoint string) (string, string, error) {
	if region != "" {
		if !alibaba.ValidRegion(region) {
			return "", "", fmt.Errorf("config key %q: %s is not an Alibaba Cloud region ID such as cn-hangzhou",
				KeyRegion, locationconfig.Quote(region))
		}
		return region, "", nil
	}
	if endpoint == "" {
		return "", "", nil
	}
	u, err := url.Parse(endpoint)
	if err != nil {
		return "", "", nil
	}
	if sm := endpointRegion.FindStringSubmatch(u.Hostname()); sm != nil && alibaba.ValidRegion(sm[1]) {
		return sm[1], "the endpoint " + u.Hostname(), nil
	}
	return "", "", nil
}

// CheckZone refuses a zone that is not in the region; without a region yet, one that is not a zone ID.
// Init checks again once the metadata service has given the region.
func (c Config) CheckZone() error {
	if c.Zone != "" && c.Region == "" && !alibaba.ValidRegion(c.Zone) {
		return fmt.Errorf("config key %q: %s is not a zone ID such as cn-hangzhou-h", keyZone, locationconfig.Quote(c.Zone))
	}
	if c.Zone != "" && c.Region != "" && !alibaba.ZoneInRegion(c.Zone, c.Region) {
		return fmt.Errorf("config key %q: %s is not a zone of region %s; use a zone ID that starts with the region, such as cn-hangzhou-h in cn-hangzhou",
			keyZone, locationconfig.Quote(c.Zone), c.Region)
	}
	return nil
}

func parseNetwork(v string) (string, error) {
	if v == "" || slices.Contains(networks, v) {
		return v, nil
	}
	return "", fmt.Errorf("config key %q: invalid value %s; valid values are %s",
		KeyNetwork, locationconfig.Quote(v), strings.Join(networks, ", "))
}

func parseEndpoint(v string) (string, error) {
	if v == "" {
		return "", nil
	}
	raw := v
	if !strings.Contains(raw, "://") {
		raw = "https://" + raw
	}
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" || (u.Scheme != "http" && u.Scheme != "https") ||
		(u.Path != "" && u.Path != "/") || u.RawQuery != "" || u.Fragment != "" || u.User != nil {
		return "", fmt.Errorf("config key %q: %s is not an endpoint; use host[:port] or http(s)://host[:port] such as ecs.cn-hangzhou.aliyuncs.com",
			keyEndpoint, locationconfig.Quote(v))
	}
	return u.Scheme + "://" + u.Host, nil
}

// parseSnapshotRetention returns a fixed number of days, or "keep until deleted", or neither: follow
// the backup.
func parseSnapshotRetention(v string) (days int, none bool, err error) {
	switch v {
	case "", retentionFollowBackup:
		return 0, false, nil
	case retentionNone:
		return 0, true, nil
	}
	days, err = strconv.Atoi(v)
	if err != nil || days < 1 || days > maxRetentionDays {
		return 0, false, fmt.Errorf("config key %q: invalid value %s; valid values are %s (default: the backup's TTL), a number of days from 1 to %d, %s (keep until deleted)",
			keySnapshotRetentionDays, locationconfig.Quote(v), retentionFollowBackup, maxRetentionDays, retentionNone)
	}
	return days, false, nil
}

func parseDefaultRetentionDays(v string) (int, error) {
	if v == "" {
		return defaultRetentionDays, nil
	}
	days, err := strconv.Atoi(v)
	if err != nil || days < 1 || days > maxRetentionDays {
		return 0, fmt.Errorf("config key %q: invalid value %s; use a number of days from 1 to %d (default %d)",
			keyDefaultRetentionDays, locationconfig.Quote(v), maxRetentionDays, defaultRetentionDays)
	}
	return days, nil
}

func parseKMSKeyID(v string) (string, error) {
	if v == "" {
		return "", nil
	}
	if len(v) > maxKMSKeyIDLength || !kmsKeyIDPattern.MatchString(v) {
		return "", fmt.Errorf("config key %q: %s is not a KMS key; use a key ID, alias/<name> or a key ARN (acs:kms:...)",
			keyKMSKeyID, locationconfig.Quote(v))
	}
	return v, nil
}

func parseRestoreTimeout(v string) (time.Duration, error) {
	if v == "" {
		return defaultRestoreTimeout, nil
	}
	d, err := time.ParseDuration(v)
	if err != nil || d < minRestoreTimeout || d > maxRestoreTimeout {
		return 0, fmt.Errorf("config key %q: invalid value %s; use a duration from 1m to 24h such as 45m (default 30m)",
			keyRestoreTimeout, locationconfig.Quote(v))
	}
	return d, nil
}
