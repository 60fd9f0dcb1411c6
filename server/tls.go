package server

import (
	"crypto/tls"
	"fmt"
	"log/slog"
	"os"
	"sync"
	"time"
)

// tlsConfig is the public listener's TLS configuration with --tls-cert:
// TLS 1.2 or later (RFC 8705 §7.3, RFC 9325), the certificate reloaded
// when its files change, and a client certificate asked for but not
// required nor verified here: a self_signed_tls_client_auth client's
// certificate chains to no CA, so each method checks what it needs
// (grant: the chain to --tls-client-ca for tls_client_auth, the key in
// the client's JWK Set for self_signed_tls_client_auth). The handshake
// itself proves the client holds the certificate's key. No CA list is
// sent in the request, so that clients offer their certificate whoever
// issued it.
func tlsConfig(certs *certReloader) *tls.Config {
	return &tls.Config{
		MinVersion:     tls.VersionTLS12,
		GetCertificate: certs.GetCertificate,
		ClientAuth:     tls.RequestClientCert,
	}
}

// certReloader serves the certificate of a key pair's files, loaded
// again when either file's modification time or size changes; the files
// are looked at no more than once a second, on a handshake. A pair that
// fails to load (a renewal half written) leaves the previous one in
// service and is logged.
type certReloader struct {
	certFile, keyFile string
	log               *slog.Logger

	mu      sync.Mutex
	cert    *tls.Certificate
	stamp   string    // the files' modification times and sizes
	checked time.Time // wall clock: reloading is operational, not protocol
}

// checkEvery is how often the files are looked at, at most.
const checkEvery = time.Second

func newCertReloader(certFile, keyFile string, log *slog.Logger) (*certReloader, error) {
	r := &certReloader{certFile: certFile, keyFile: keyFile, log: log}
	stamp, err := r.fileStamp()
	if err != nil {
		return nil, err
	}
	if err := r.load(stamp); err != nil {
		return nil, err
	}
	return r, nil
}

// GetCertificate is tls.Config.GetCertificate.
func (r *certReloader) GetCertificate(*tls.ClientHelloInfo) (*tls.Certificate, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if now := time.Now(); now.Sub(r.checked) >= checkEvery {
		r.checked = now
		if stamp, err := r.fileStamp(); err == nil && stamp != r.stamp {
			if err := r.load(stamp); err != nil {
				r.log.Warn("TLS certificate not reloaded; serving the previous one", "cert", r.certFile, "err", err)
			} else {
				r.log.Info("TLS certificate reloaded", "cert", r.certFile, "not_after", r.cert.Leaf.NotAfter)
			}
		}
	}
	return r.cert, nil
}

// load reads the pair; the caller holds mu (or owns r).
func (r *certReloader) load(stamp string) error {
	c, err := tls.LoadX509KeyPair(r.certFile, r.keyFile)
	if err != nil {
		return fmt.Errorf("load TLS certificate: %w", err)
	}
	r.cert, r.stamp = &c, stamp
	return nil
}

func (r *certReloader) fileStamp() (string, error) {
	var stamp string
	for _, f := range []string{r.certFile, r.keyFile} {
		fi, err := os.Stat(f)
		if err != nil {
			return "", fmt.Errorf("TLS certificate: %w", err)
		}
		stamp += fmt.Sprintf("%d/%d;", fi.ModTime().UnixNano(), fi.Size())
	}
	return stamp, nil
}
