import { existsSync, readFileSync } from 'node:fs';
import { ConfigError } from './errors.js';

/** The certificate keys of the configuration, as read from the file and the environment. */
interface CertificateKeys {
  tlsCertFile?: string;
  tlsKeyFile?: string;
  tlsClientCaFile?: string;
  adminTlsCertFile?: string;
  adminTlsKeyFile?: string;
  csmsCaFile?: string;
  chargers: Record<string, { clientCertFile?: string; clientKeyFile?: string }>;
}

/** The PEM material the configuration names, loaded. */
export interface Certificates {
  csmsCa?: Buffer;
  /** The SOAP endpoint's certificate and key (HTTPS) and the CA charger client certificates must chain to. */
  tls?: { cert: Buffer; key: Buffer; clientCa?: Buffer };
  /** The admin port's certificate and key (HTTPS). */
  adminTls?: { cert: Buffer; key: Buffer };
  /** Per charger, its upstream client certificate (security profile 3). */
  clientCertificates: Record<string, { cert: Buffer; key: Buffer }>;
}

const pem = (key: string, path: string | undefined): Buffer | undefined => {
  if (path === undefined) return undefined;
  if (!existsSync(path)) throw new ConfigError(`${key}: ${path} does not exist`);
  return readFileSync(path);
};

/** The PEM material of the SOAP port, the admin port and each charger's upstream client certificate. */
export function loadCertificates(config: CertificateKeys): Certificates {
  let tls: Certificates['tls'];
  if (config.tlsCertFile || config.tlsKeyFile) {
    if (!config.tlsCertFile || !config.tlsKeyFile)
      throw new ConfigError('tlsCertFile (TLS_CERT_FILE) and tlsKeyFile (TLS_KEY_FILE) must be set together');
    tls = {
      cert: pem('tlsCertFile (TLS_CERT_FILE)', config.tlsCertFile)!,
      key: pem('tlsKeyFile (TLS_KEY_FILE)', config.tlsKeyFile)!,
      clientCa: pem('tlsClientCaFile (TLS_CLIENT_CA_FILE)', config.tlsClientCaFile),
    };
  } else if (config.tlsClientCaFile) {
    throw new ConfigError('tlsClientCaFile (TLS_CLIENT_CA_FILE) needs tlsCertFile and tlsKeyFile');
  }
  let adminTls: Certificates['adminTls'];
  if (config.adminTlsCertFile || config.adminTlsKeyFile) {
    if (!config.adminTlsCertFile || !config.adminTlsKeyFile)
      throw new ConfigError(
        'adminTlsCertFile (ADMIN_TLS_CERT_FILE) and adminTlsKeyFile (ADMIN_TLS_KEY_FILE) must be set together',
      );
    adminTls = {
      cert: pem('adminTlsCertFile (ADMIN_TLS_CERT_FILE)', config.adminTlsCertFile)!,
      key: pem('adminTlsKeyFile (ADMIN_TLS_KEY_FILE)', config.adminTlsKeyFile)!,
    };
  }
  const clientCertificates: Certificates['clientCertificates'] = Object.create(null);
  for (const [identity, c] of Object.entries(config.chargers)) {
    if (!c.clientCertFile && !c.clientKeyFile) continue;
    if (!c.clientCertFile || !c.clientKeyFile)
      throw new ConfigError(`chargers.${identity}: clientCertFile and clientKeyFile must be set together`);
    clientCertificates[identity] = {
      cert: pem(`chargers.${identity}.clientCertFile`, c.clientCertFile)!,
      key: pem(`chargers.${identity}.clientKeyFile`, c.clientKeyFile)!,
    };
  }
  return { tls, adminTls, clientCertificates, csmsCa: pem('csmsCaFile (CSMS_CA_FILE)', config.csmsCaFile) };
}
