// Package restoreconfig is the one documented schema of our restore rules: it reads the ConfigMaps a
// restore is configured by (the global one and the restore's own), validates every rule, and builds the
// transform pipeline our restore item actions run. Everything here is pure; the plugin reads the
// ConfigMaps and the target cluster's facts and hands them in.
package restoreconfig

import (
	"fmt"
	"slices"
	"sort"
	"strings"

	"sigs.k8s.io/yaml"
)

// Labels and keys users write.
const (
	// GlobalLabel marks the ConfigMap, in the Velero namespace and also labelled velero.io/plugin-config,
	// that configures every restore (Velero's convention: <plugin>: RestoreItemAction).
	GlobalLabel = "csdr.io/restore-config"
	// GlobalLabelValue is the value GlobalLabel carries.
	GlobalLabelValue = "RestoreItemAction"
	// PluginConfigLabel marks a plugin's ConfigMap; Velero's GetPluginConfig selects on the key alone,
	// whatever its value ("", "true").
	PluginConfigLabel = "velero.io/plugin-config"
	// GlobalSelector is the label selector that finds the global ConfigMap in the Velero namespace.
	GlobalSelector = PluginConfigLabel + "," + GlobalLabel + "=" + GlobalLabelValue
	// RestoreLabel on a Restore names a ConfigMap in the Velero namespace that configures that restore
	// only: `velero restore create --labels csdr.io/config=<configmap>`.
	RestoreLabel = "csdr.io/config"
)

// Rule keys, in the order the pipeline applies them.
const (
	KeyImageNameMapping     = "imageNameMapping"
	KeyImageRegistryMapping = "imageRegistryMapping"
	KeyNodePins             = "nodePins"
	KeyStorageClassMapping  = "storageClassMapping"
	KeyAccessModeMapping    = "accessModeMapping"
	KeyDiskMinimumSize      = "diskMinimumSize"
	KeyPVCRename            = "pvcRename"
	KeyIngressConversion    = "ingressConversion"
	KeyCronJobConversion    = "cronJobConversion"
	KeyServices             = "services"
)

// Keys lists every rule key in pipeline order.
var Keys = []string{
	KeyImageNameMapping, KeyImageRegistryMapping, KeyNodePins, KeyStorageClassMapping, KeyAccessModeMapping,
	KeyDiskMinimumSize, KeyPVCRename, KeyIngressConversion, KeyCronJobConversion, KeyServices,
}

// Config is a restore's validated configuration. The zero value is not the default: use Defaults.
type Config struct {
	ImageNameMapping     map[string]string
	ImageRegistryMapping map[string]string
	NodePins             bool
	StorageClassMapping  map[string]string
	AccessModeMapping    map[string][]string
	DiskMinimumSize      bool
	PVCRename            PVCRename
	IngressConversion    bool
	CronJobConversion    bool
	Services             Services

	// origin says which ConfigMap set each key, so errors found later (against the cluster) name it.
	origin map[string]string
}

// PVCRename is the pvcRename rule's value.
type PVCRename struct {
	Prefix string `json:"prefix,omitempty"`
	Suffix string `json:"suffix,omitempty"`
}

// Services is the services rule's value.
type Services struct {
	// NodePorts is keep (the default) or release.
	NodePorts string `json:"nodePorts,omitempty"`
}

// Defaults is what a restore gets with no configuration: the adjustments ACK makes on its own.
func Defaults() Config {
	return Config{
		NodePins:          true,
		DiskMinimumSize:   true,
		IngressConversion: true,
		CronJobConversion: true,
		Services:          Services{NodePorts: "keep"},
		origin:            map[string]string{},
	}
}

// Source is one ConfigMap's data and where it came from ("velero/csdr-restore").
type Source struct {
	Name string
	Data map[string]string
}

// Load validates the global ConfigMap and the restore's own (either may be nil) and merges them: a rule
// the restore's ConfigMap sets replaces the global one whole.
func Load(global, restore *Source) (Config, error) {
	cfg := Defaults()
	for _, src := range []*Source{global, restore} {
		if src == nil {
			continue
		}
		if err := cfg.apply(src); err != nil {
			return Config{}, err
		}
	}
	return cfg, nil
}

func (c *Config) apply(src *Source) error {
	if err := checkKeys(src); err != nil {
		return err
	}
	for _, key := range Keys {
		raw, ok := src.Data[key]
		if !ok {
			continue
		}
		if err := c.set(key, raw); err != nil {
			return &Error{ConfigMap: src.Name, Rule: key, Err: err}
		}
		c.origin[key] = src.Name
	}
	return nil
}

func (c *Config) set(key, raw string) error {
	switch key {
	// A rule set again replaces the earlier value whole: decoding into a map would merge into it.
	case KeyImageNameMapping:
		c.ImageNameMapping = nil
		return strictYAML(raw, &c.ImageNameMapping)
	case KeyImageRegistryMapping:
		c.ImageRegistryMapping = nil
		return strictYAML(raw, &c.ImageRegistryMapping)
	case KeyStorageClassMapping:
		c.StorageClassMapping = nil
		return strictYAML(raw, &c.StorageClassMapping)
	case KeyAccessModeMapping:
		c.AccessModeMapping = nil
		return strictYAML(raw, &c.AccessModeMapping)
	case KeyPVCRename:
		f, err := fields(raw, "prefix", "suffix")
		c.PVCRename = PVCRename{Prefix: f["prefix"], Suffix: f["suffix"]}
		return err
	case KeyServices:
		f, err := fields(raw, "nodePorts")
		c.Services = Services{NodePorts: f["nodePorts"]}
		if c.Services.NodePorts == "" {
			c.Services.NodePorts = "keep"
		}
		return err
	case KeyNodePins:
		return parseBool(raw, &c.NodePins)
	case KeyDiskMinimumSize:
		return parseBool(raw, &c.DiskMinimumSize)
	case KeyIngressConversion:
		return parseBool(raw, &c.IngressConversion)
	case KeyCronJobConversion:
		return parseBool(raw, &c.CronJobConversion)
	}
	return fmt.Errorf("no parser for rule %s", key)
}

// Origin names the ConfigMap that set key, or "defaults".
func (c Config) Origin(key string) string {
	if o := c.origin[key]; o != "" {
		return o
	}
	return "defaults"
}

func checkKeys(src *Source) error {
	known := map[string]bool{}
	for _, k := range Keys {
		known[k] = true
	}
	var unknown []string
	for k := range src.Data {
		if !known[k] {
			unknown = append(unknown, fmt.Sprintf("%q", k))
		}
	}
	if len(unknown) == 0 {
		return nil
	}
	sort.Strings(unknown)
	valid := append([]string(nil), Keys...)
	sort.Strings(valid)
	return &Error{ConfigMap: src.Name, Err: fmt.Errorf("unknown rule %s; valid rules are: %s",
		strings.Join(unknown, ", "), strings.Join(valid, ", "))}
}

func strictYAML(raw string, into any) error {
	if strings.TrimSpace(raw) == "" {
		return fmt.Errorf("value is empty; remove the key to turn the rule off")
	}
	if err := yaml.UnmarshalStrict([]byte(raw), into); err != nil {
		return fmt.Errorf("invalid YAML: %w", err)
	}
	return nil
}

// fields decodes a rule whose value is a small set of named strings. Field names are matched exactly:
// JSON decoding would accept "nodeports" for nodePorts, and a user who mistypes one should hear of it.
func fields(raw string, names ...string) (map[string]string, error) {
	var m map[string]string
	if err := strictYAML(raw, &m); err != nil {
		return nil, err
	}
	for k := range m {
		if !slices.Contains(names, k) {
			return nil, fmt.Errorf("unknown field %q; valid fields are: %s", k, strings.Join(names, ", "))
		}
	}
	return m, nil
}

func parseBool(raw string, into *bool) error {
	switch strings.TrimSpace(raw) {
	case "true":
		*into = true
	case "false":
		*into = false
	default:
		return fmt.Errorf("%q is not a boolean; valid values are true, false", raw)
	}
	return nil
}

// Error is an invalid restore configuration: it names the ConfigMap and, when it is about one rule,
// the rule.
type Error struct {
	ConfigMap string
	Rule      string
	Err       error
}

func (e *Error) Error() string {
	msg := "invalid restore configuration " + e.ConfigMap
	if e.Rule != "" {
		msg += ": rule " + e.Rule
	}
	return msg + ": " + e.Err.Error()
}

func (e *Error) Unwrap() error { return e.Err }
