//! Certificates a user would bring to `--cert`/`--ca-cert`.

use rcgen::{BasicConstraints, CertificateParams, CertifiedIssuer, IsCa, KeyPair};

/// A CA of the user's own and a certificate it signs for 127.0.0.1, in PEM.
pub struct OwnCertificate {
    /// The CA certificate.
    pub ca: String,
    /// The leaf certificate (without the CA).
    pub leaf: String,
    /// The leaf's private key (PKCS#8).
    pub key: String,
}

/// Makes a new CA and a certificate it signs for 127.0.0.1.
pub fn own_certificate() -> OwnCertificate {
    let mut ca = CertificateParams::new(Vec::<String>::new()).expect("no names to refuse");
    ca.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    let ca = CertifiedIssuer::self_signed(ca, KeyPair::generate().expect("a CA key"))
        .expect("the CA signs itself");
    let key = KeyPair::generate().expect("a leaf key");
    let leaf = CertificateParams::new(vec!["127.0.0.1".to_owned()])
        .expect("an IP address name")
        .signed_by(&key, &ca)
        .expect("the CA signs the leaf");
    OwnCertificate {
        ca: ca.pem(),
        leaf: leaf.pem(),
        key: key.serialize_pem(),
    }
}
