//! TLS for the loopback SMTP servers: a throwaway certificate authority and a certificate for
//! 127.0.0.1 signed by it, and an implicit-TLS front for the plain server.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use rcgen::{BasicConstraints, CertificateParams, CertifiedIssuer, DnType, IsCa, KeyPair};

/// The test servers' certificate files: the authority to trust, the server's certificate and key.
pub struct Pki {
    pub ca: PathBuf,
    pub cert: PathBuf,
    pub key: PathBuf,
}

/// Both rustls crypto back ends end up compiled into the tests; choose one, once.
pub fn use_ring() {
    let _ = rustls::crypto::ring::default_provider().install_default();
}

impl Pki {
    /// A new authority and a certificate for `127.0.0.1` and `localhost`, written under `dir`.
    pub fn new(dir: &Path) -> Pki {
        use_ring();
        let mut authority = CertificateParams::new(Vec::<String>::new()).unwrap();
        authority.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        authority.distinguished_name.push(DnType::CommonName, "Passerelle test authority");
        let authority = CertifiedIssuer::self_signed(authority, KeyPair::generate().unwrap()).unwrap();
        let server_key = KeyPair::generate().unwrap();
        let server = CertificateParams::new(vec!["127.0.0.1".to_owned(), "localhost".to_owned()])
            .unwrap()
            .signed_by(&server_key, &authority)
            .unwrap();
        let pki = Pki { ca: dir.join("ca.pem"), cert: dir.join("server.pem"), key: dir.join("server.key") };
        std::fs::write(&pki.ca, authority.pem()).unwrap();
        std::fs::write(&pki.cert, server.pem()).unwrap();
        std::fs::write(&pki.key, server_key.serialize_pem()).unwrap();
        pki
    }

    fn server_config(&self) -> rustls::ServerConfig {
        use rustls::pki_types::pem::PemObject;
        use rustls::pki_types::{CertificateDer, PrivateKeyDer};
        let certs = CertificateDer::pem_file_iter(&self.cert).unwrap().collect::<Result<Vec<_>, _>>().unwrap();
        let key = PrivateKeyDer::from_pem_file(&self.key).unwrap();
        rustls::ServerConfig::builder().with_no_client_auth().with_single_cert(certs, key).unwrap()
    }

    /// Listens on a loopback port with implicit TLS (as on port 465) and passes each decrypted
    /// connection to the plain SMTP server on `upstream`; returns the port.
    pub fn implicit_tls_front(&self, upstream: u16) -> u16 {
        let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(self.server_config()));
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        listener.set_nonblocking(true).unwrap();
        std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
            runtime.block_on(async move {
                let listener = tokio::net::TcpListener::from_std(listener).unwrap();
                while let Ok((client, _)) = listener.accept().await {
                    let acceptor = acceptor.clone();
                    tokio::spawn(async move {
                        let Ok(mut client) = acceptor.accept(client).await else { return };
                        let Ok(mut server) = tokio::net::TcpStream::connect(("127.0.0.1", upstream)).await else {
                            return;
                        };
                        let _ = tokio::io::copy_bidirectional(&mut client, &mut server).await;
                    });
                }
            });
        });
        port
    }
}
