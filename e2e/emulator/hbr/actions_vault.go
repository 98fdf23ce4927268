package hbr

import (
	"strings"

	"github.com/csdr-io/velero-plugin-for-alibabacloud/e2e/emulator/rpc"
	"github.com/csdr-io/velero-plugin-for-alibabacloud/e2e/emulator/svc"
)

type createVaultResponse struct {
	base
	VaultID string `json:"VaultId"`
	TaskID  string `json:"TaskId"`
}

func (s *Service) createVault(c *call) (any, *rpc.Error) {
	name, e := c.p.Required("VaultName")
	if e != nil {
		return nil, e
	}
	region, e := c.p.Required("VaultRegionId")
	if e != nil {
		return nil, e
	}
	v := &Vault{ID: rpc.NewID("v-", 24), Name: name, Region: region, Type: orDefault(c.p.Str("VaultType"), "STANDARD"),
		StorageClass: orDefault(c.p.Str("VaultStorageClass"), "STANDARD"), Redundancy: orDefault(c.p.Str("RedundancyType"), "LRS"),
		EncryptType: orDefault(c.p.Str("EncryptType"), "HBR_PRIVATE"), KmsKeyID: c.p.Str("KmsKeyId"),
		Description: c.p.Str("Description"), Created: c.now, ReadyAt: c.now.Add(s.settings.VaultInitDelay)}
	if v.Type != "STANDARD" && v.Type != "OTS_BACKUP" {
		return nil, rpc.ErrInvalidParam("VaultType", "Valid values: STANDARD, OTS_BACKUP.")
	}
	if v.EncryptType == "KMS" && v.KmsKeyID == "" {
		return nil, rpc.ErrMissing("KmsKeyId")
	}
	s.st.vaults[v.ID] = v
	return createVaultResponse{base: c.ok(), VaultID: v.ID, TaskID: rpc.NewID("t-", 24)}, nil
}

func orDefault(v, def string) string {
	if v == "" {
		return def
	}
	return v
}

type vaultOut struct {
	VaultID           string         `json:"VaultId"`
	VaultName         string         `json:"VaultName"`
	VaultRegionID     string         `json:"VaultRegionId"`
	VaultType         string         `json:"VaultType"`
	VaultStorageClass string         `json:"VaultStorageClass"`
	RedundancyType    string         `json:"RedundancyType"`
	EncryptType       string         `json:"EncryptType"`
	KmsKeyID          string         `json:"KmsKeyId,omitempty"`
	Description       string         `json:"Description"`
	Status            string         `json:"Status"`
	CreatedTime       int64          `json:"CreatedTime"`
	UpdatedTime       int64          `json:"UpdatedTime"`
	StorageSize       int64          `json:"StorageSize"`
	BytesDone         int64          `json:"BytesDone"`
	SnapshotCount     int64          `json:"SnapshotCount"`
	Dedup             bool           `json:"Dedup"`
	Replication       bool           `json:"Replication"`
	SearchEnabled     bool           `json:"SearchEnabled"`
	WormEnabled       bool           `json:"WormEnabled"`
	ChargeType        string         `json:"ChargeType"`
	SourceTypes       map[string]any `json:"SourceTypes"`
}

type describeVaultsResponse struct {
	base
	TotalCount int32                 `json:"TotalCount"`
	PageNumber int32                 `json:"PageNumber"`
	PageSize   int32                 `json:"PageSize"`
	Vaults     map[string][]vaultOut `json:"Vaults"`
}

func (s *Service) describeVaults(c *call) (any, *rpc.Error) {
	id, region, typ, status := c.p.Str("VaultId"), c.p.Str("VaultRegionId"), c.p.Str("VaultType"), c.p.Str("Status")
	if id != "" && s.st.deleted[id] {
		return nil, errIllegalRequest()
	}
	tagged := len(c.p.Indexed("Tag")) > 0 // vaults carry no tags here, so a tag filter matches none
	var found []vaultOut
	for _, v := range svc.SortedValues(s.st.vaults) {
		st := v.status(c.now)
		if (id != "" && v.ID != id) || (region != "" && v.Region != region) || (typ != "" && v.Type != typ) ||
			(status != "" && !strings.EqualFold(status, st)) || tagged {
			continue
		}
		found = append(found, s.vaultJSON(v, st))
	}
	start, end, num, size, e := pageOf(c.p, len(found))
	if e != nil {
		return nil, e
	}
	return describeVaultsResponse{base: c.ok(), TotalCount: int32(len(found)), PageNumber: num, PageSize: size,
		Vaults: map[string][]vaultOut{"Vault": append([]vaultOut{}, found[start:end]...)}}, nil
}

func (s *Service) vaultJSON(v *Vault, status string) vaultOut {
	out := vaultOut{VaultID: v.ID, VaultName: v.Name, VaultRegionID: v.Region, VaultType: v.Type, VaultStorageClass: v.StorageClass,
		RedundancyType: v.Redundancy, EncryptType: v.EncryptType, KmsKeyID: v.KmsKeyID, Description: v.Description, Status: status,
		CreatedTime: unix(v.Created), UpdatedTime: unix(v.Created), Dedup: true, ChargeType: "FREE",
		SourceTypes: map[string]any{"SourceType": []string{SourceContainer}}}
	for _, snap := range s.st.snapshots {
		if snap.VaultID == v.ID {
			out.SnapshotCount++
			out.StorageSize += snap.ActualBytes
			out.BytesDone += snap.BytesDone
		}
	}
	return out
}

// vaultForJob finds the vault a job is created in: a deleted one is an illegal request, an unknown one
// does not exist, one still initializing cannot take jobs yet.
func (s *Service) vaultForJob(c *call) (*Vault, *rpc.Error) {
	id, e := c.p.Required("VaultId")
	if e != nil {
		return nil, e
	}
	if s.st.deleted[id] {
		return nil, errIllegalRequest()
	}
	v := s.st.vaults[id]
	if v == nil {
		return nil, refuse(CodeVaultNotExist, "The vault %s does not exist.", id)
	}
	if st := v.status(c.now); st != VaultCreated {
		return nil, refuse(CodeVaultNotReady, "The vault %s is %s; it takes jobs once CREATED.", id, st)
	}
	return v, nil
}
