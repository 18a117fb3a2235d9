//! One rustls crypto provider for the whole process.
//!
//! reqwest (`rustls-no-provider`) and kube (`rustls-tls` + `ring`) both use
//! rustls; with no process-wide default provider, building a client panics.
//! Install ring once, before the first client is built; "already installed"
//! (by us or by anyone else) is fine.
use std::sync::Once;

pub fn ensure_crypto_provider() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        let _ = rustls::crypto::ring::default_provider().install_default();
    });
}
