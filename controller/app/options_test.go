package app

import (
	"flag"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestMountPodImageOption(t *testing.T) {
	tests := []struct {
		name    string
		args    []string
		want    string
		wantErr string
	}{
		{name: "default", want: DefaultMountPodImage},
		{name: "set", args: []string{"--mount-pod-image=registry.example.com/pause:3.10"}, want: "registry.example.com/pause:3.10"},
		{name: "empty", args: []string{"--mount-pod-image="}, wantErr: "--mount-pod-image is empty"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			o, err := parseOptions(t, tt.args)
			if tt.wantErr != "" {
				assert.ErrorContains(t, err, tt.wantErr)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.want, o.MountPodImage)
		})
	}
}

func TestDataLocationsPeriodOption(t *testing.T) {
	tests := []struct {
		name    string
		args    []string
		want    time.Duration
		wantErr string
	}{
		{name: "default", want: time.Hour},
		{name: "set", args: []string{"--data-locations-period=6h"}, want: 6 * time.Hour},
		{name: "off", args: []string{"--data-locations-period=0"}, want: 0},
		{name: "too often", args: []string{"--data-locations-period=10s"}, wantErr: "--data-locations-period 10s must be 0 (off) or at least 1m"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			o, err := parseOptions(t, tt.args)
			if tt.wantErr != "" {
				assert.ErrorContains(t, err, tt.wantErr)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.want, o.DataLocationsPeriod)
		})
	}
}

// parseOptions is the options of a command line, validated, with nothing from the environment.
func parseOptions(t *testing.T, args []string) (Options, error) {
	t.Helper()
	o := DefaultOptions(func(string) string { return "" })
	fs := flag.NewFlagSet("test", flag.ContinueOnError)
	o.BindFlags(fs)
	require.NoError(t, fs.Parse(args))
	return o, o.Validate()
}
