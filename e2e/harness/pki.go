package harness

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/hex"
	"encoding/pem"
	"fmt"
	"os"
	"path/filepath"
)

// clusterPKI is what an apiserver needs besides its serving certificate, which it makes itself
// (--cert-dir): the service-account signing key pair and a static admin token.
type clusterPKI struct {
	dir        string
	adminToken string
}

func (p clusterPKI) saKey() string     { return filepath.Join(p.dir, "sa.key") }
func (p clusterPKI) saPub() string     { return filepath.Join(p.dir, "sa.pub") }
func (p clusterPKI) tokens() string    { return filepath.Join(p.dir, "tokens.csv") }
func (p clusterPKI) certDir() string   { return filepath.Join(p.dir, "apiserver") }
func (p clusterPKI) servingCA() string { return filepath.Join(p.certDir(), "apiserver.crt") }
func (p clusterPKI) tokenFile() string { return filepath.Join(p.dir, "admin.token") }

func newClusterPKI(dir string) (clusterPKI, error) {
	p := clusterPKI{dir: dir}
	if err := os.MkdirAll(p.certDir(), 0o700); err != nil {
		return p, err
	}
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		return p, fmt.Errorf("generate service-account key: %w", err)
	}
	pub, err := x509.MarshalPKIXPublicKey(&key.PublicKey)
	if err != nil {
		return p, err
	}
	token := make([]byte, 16)
	if _, err := rand.Read(token); err != nil {
		return p, err
	}
	p.adminToken = hex.EncodeToString(token)
	files := map[string][]byte{
		p.saKey():     pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(key)}),
		p.saPub():     pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: pub}),
		p.tokens():    []byte(p.adminToken + ",admin,admin-uid,system:masters\n"),
		p.tokenFile(): []byte(p.adminToken),
	}
	for path, data := range files {
		if err := os.WriteFile(path, data, 0o600); err != nil {
			return p, err
		}
	}
	return p, nil
}

// writeKubeconfig writes a kubeconfig whose context is named after the cluster, for the user whose
// bearer token it holds.
func writeKubeconfig(path, name, user, server, caFile, token string) error {
	config := fmt.Sprintf(`apiVersion: v1
kind: Config
clusters:
- name: %[1]s
  cluster:
    server: %[2]s
    certificate-authority: %[3]s
users:
- name: %[1]s-%[5]s
  user:
    token: %[4]s
contexts:
- name: %[1]s
  context:
    cluster: %[1]s
    user: %[1]s-%[5]s
current-context: %[1]s
`, name, server, caFile, token, user)
	return os.WriteFile(path, []byte(config), 0o600)
}
