package alibaba

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestDisk(t *testing.T) {
	flex := func(options map[string]any) map[string]any {
		return map[string]any{"flexVolume": map[string]any{"driver": FlexDiskDriver, "options": options}}
	}
	for _, tc := range []struct {
		name    string
		spec    map[string]any
		wantID  string
		wantVia DiskVia
		wantOK  bool
		wantErr string
	}{
		{name: "CSI disk", spec: map[string]any{"csi": map[string]any{"driver": DiskCSIDriver, "volumeHandle": "d-bp1"}}, wantID: "d-bp1", wantVia: ViaCSI, wantOK: true},
		{name: "CSI NAS", spec: map[string]any{"csi": map[string]any{"driver": NASCSIDriver, "volumeHandle": "nas-1"}}},
		{name: "EBS", spec: map[string]any{"csi": map[string]any{"driver": "ebs.csi.aws.com", "volumeHandle": "vol-1"}}},
		{name: "NFS", spec: map[string]any{"nfs": map[string]any{"server": "10.0.0.1", "path": "/"}}},
		{name: "no source", spec: map[string]any{}},
		{name: "CSI disk without handle", spec: map[string]any{"csi": map[string]any{"driver": DiskCSIDriver}}, wantVia: ViaCSI,
			wantErr: `diskplugin.csi.alibabacloud.com volume handle "" is not a disk ID`},
		{name: "CSI disk with a path for handle", spec: map[string]any{"csi": map[string]any{"driver": DiskCSIDriver, "volumeHandle": "../d-1"}}, wantVia: ViaCSI,
			wantErr: `diskplugin.csi.alibabacloud.com volume handle "../d-1" is not a disk ID`},
		{name: "CSI handle of a wrong type", spec: map[string]any{"csi": map[string]any{"driver": DiskCSIDriver, "volumeHandle": int64(7)}}, wantVia: ViaCSI,
			wantErr: "diskplugin.csi.alibabacloud.com field volumeHandle is int64, not a string"},
		{name: "Flex VolumeId", spec: flex(map[string]any{"VolumeId": "d-1"}), wantID: "d-1", wantVia: ViaFlex, wantOK: true},
		{name: "Flex volumeId", spec: flex(map[string]any{"volumeId": "d-2"}), wantID: "d-2", wantVia: ViaFlex, wantOK: true},
		{name: "Flex both agreeing", spec: flex(map[string]any{"VolumeId": "d-3", "volumeId": "d-3"}), wantID: "d-3", wantVia: ViaFlex, wantOK: true},
		{name: "Flex both disagreeing", spec: flex(map[string]any{"VolumeId": "d-3", "volumeId": "d-4"}), wantVia: ViaFlex,
			wantErr: `alicloud/disk options name two disks: VolumeId="d-3", volumeId="d-4"`},
		{name: "Flex no ID", spec: flex(map[string]any{}), wantVia: ViaFlex,
			wantErr: "alicloud/disk names no disk: options.VolumeId and options.volumeId are empty"},
		{name: "Flex no options", spec: map[string]any{"flexVolume": map[string]any{"driver": FlexDiskDriver}}, wantVia: ViaFlex,
			wantErr: "alicloud/disk names no disk: options.VolumeId and options.volumeId are empty"},
		{name: "Flex NAS", spec: map[string]any{"flexVolume": map[string]any{"driver": FlexNASDriver, "options": map[string]any{"server": "x"}}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			id, via, ok, err := Disk(tc.spec)
			if tc.wantErr != "" {
				assert.EqualError(t, err, tc.wantErr)
			} else {
				assert.NoError(t, err)
			}
			assert.Equal(t, tc.wantID, id)
			assert.Equal(t, tc.wantVia, via)
			assert.Equal(t, tc.wantOK, ok)
		})
	}
}

func TestValidRegion(t *testing.T) {
	for region, want := range map[string]bool{
		"cn-hangzhou": true, "ap-southeast-1": true, "cn-north-2-gov-1": true, "us-west-1": true,
		"": false, "hangzhou": false, "CN-HANGZHOU": false, "cn-hangzhou.evil.com": false, "cn_hangzhou": false,
		"cn-hangzhou/": false, "c-1": false,
	} {
		assert.Equal(t, want, ValidRegion(region), region)
	}
}
