// An independent verifier for Skillbite's credentials: digitalbazaar's @digitalbazaar/vc with the
// eddsa-rdfc-2022 cryptosuite, offline. Reads JSON on stdin:
//   {"credential": {...}, "didDocuments": [{...}], "statusLists": {"<url>": {...}}, "now": "<iso>"?}
// and prints {"verified": bool, "errors": ["..."], "revoked": bool|null}.
// Contexts come from Skillbite's bundle (plugin/credentials/contexts), DID documents and status list
// credentials only from the input: nothing is fetched from the network.
import {readFileSync} from 'node:fs';
import {gunzipSync} from 'node:zlib';
import {dirname, join} from 'node:path';
import {fileURLToPath} from 'node:url';
import * as vc from '@digitalbazaar/vc';
import {DataIntegrityProof} from '@digitalbazaar/data-integrity';
import {cryptosuite as eddsaRdfc2022CryptoSuite} from '@digitalbazaar/eddsa-rdfc-2022-cryptosuite';

const here = dirname(fileURLToPath(import.meta.url));
const contextDir = join(here, '..', '..', 'plugin', 'credentials', 'contexts');
const CONTEXTS = {
  'https://www.w3.org/ns/credentials/v2': 'credentials-v2.json',
  'https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json': 'ob-v3p0-3.0.3.json',
};
const MULTIKEY_V1 = 'https://w3id.org/security/multikey/v1';

function readStdin() {
  return readFileSync(0, 'utf8');
}

function makeLoader(didDocuments, statusLists) {
  const dids = new Map(didDocuments.map(doc => [doc.id, doc]));
  return async url => {
    if(CONTEXTS[url]) {
      const document = JSON.parse(readFileSync(join(contextDir, CONTEXTS[url]), 'utf8'));
      return {contextUrl: null, documentUrl: url, document};
    }
    if(statusLists[url]) {
      return {contextUrl: null, documentUrl: url, document: statusLists[url]};
    }
    const [did, fragment] = url.split('#');
    const didDoc = dids.get(did);
    if(didDoc) {
      if(!fragment) {
        return {contextUrl: null, documentUrl: url, document: didDoc};
      }
      const method = (didDoc.verificationMethod || []).find(m => m.id === url);
      if(method) {
        return {contextUrl: null, documentUrl: url,
          document: {'@context': MULTIKEY_V1, ...method}};
      }
    }
    throw new Error(`offline document loader: ${url} is not available`);
  };
}

function bitIsSet(encodedList, index) {
  if(!encodedList.startsWith('u')) {
    throw new Error('encodedList is not multibase base64url');
  }
  const bits = gunzipSync(Buffer.from(encodedList.slice(1), 'base64url'));
  return (bits[Math.floor(index / 8)] & (0x80 >> (index % 8))) !== 0;
}

async function main() {
  const input = JSON.parse(readStdin());
  const documentLoader = makeLoader(input.didDocuments || [], input.statusLists || {});
  const suite = new DataIntegrityProof({cryptosuite: eddsaRdfc2022CryptoSuite});
  const now = input.now ? new Date(input.now) : undefined;
  let revoked = null;
  const checkStatus = async ({credential}) => {
    const entry = credential.credentialStatus;
    if(entry.type !== 'BitstringStatusListEntry') {
      return {verified: false, error: new Error(`unsupported status type ${entry.type}`)};
    }
    const listCredential = input.statusLists && input.statusLists[entry.statusListCredential];
    if(!listCredential) {
      return {verified: false, error: new Error('status list credential not available')};
    }
    const listResult = await vc.verifyCredential(
      {credential: listCredential, suite, documentLoader, now});
    if(!listResult.verified) {
      return {verified: false, error: new Error('status list credential does not verify')};
    }
    const issuerOf = c => (typeof c.issuer === 'string' ? c.issuer : c.issuer.id);
    if(issuerOf(listCredential) !== issuerOf(credential)) {
      return {verified: false, error: new Error('status list issued by someone else')};
    }
    revoked = bitIsSet(listCredential.credentialSubject.encodedList, parseInt(entry.statusListIndex, 10));
    return revoked ? {verified: false, error: new Error('credential revoked')} : {verified: true};
  };
  const errors = [];
  let verified = false;
  try {
    const result = await vc.verifyCredential(
      {credential: input.credential, suite, documentLoader, checkStatus, now});
    verified = result.verified;
    const collect = e => {
      if(!e) {
        return;
      }
      if(Array.isArray(e)) {
        e.forEach(collect);
        return;
      }
      errors.push(String(e.message || e));
      if(e.errors) {
        collect(e.errors);
      }
    };
    collect(result.error);
    (result.results || []).forEach(r => collect(r.error));
    if(result.statusResult && result.statusResult.error) {
      collect(result.statusResult.error);
    }
  } catch(e) {
    errors.push(String(e.message || e));
  }
  process.stdout.write(JSON.stringify({verified, errors, revoked}) + '\n');
}

main().catch(e => {
  process.stdout.write(JSON.stringify({verified: false, errors: [String(e.message || e)], revoked: null}) + '\n');
});
