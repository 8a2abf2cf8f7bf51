import { EsError } from './errors.js';

/** The emulated major version and the oldest whose REST API it still speaks (`compatible-with`). */
const CURRENT = 9;
const MINIMUM_SUPPORTED = 8;

/** The `compatible-with` parameter of a header holding one media type (a list of them is a range, read as none). */
function parseVersion(header: string | undefined): number | undefined {
  if (header === undefined || header.includes(',')) return undefined;
  for (const parameter of header.split(';').slice(1)) {
    const [name, value] = parameter.split('=');
    if (name?.trim().toLowerCase() === 'compatible-with' && value !== undefined && /^\s*\d+\s*$/.test(value)) return Number(value);
  }
  return undefined;
}

function refused(reason: string): EsError {
  return new EsError(400, 'media_type_header_exception', 'Invalid media-type value on headers [Accept, Content-Type]', {}, { type: 'status_exception', reason });
}

/**
 * The REST API version a request asks for in its Accept and Content-Type headers, checked as Elasticsearch checks it
 * (RestCompatibleVersionHelper): a version neither this one nor the one before, or a body's type versioned differently
 * from the answer's, is refused before the request is read. Clients send `compatible-with` when told to
 * (ELASTIC_CLIENT_APIVERSIONING), and 8.x clients always do: a 7.x one's is refused here as it is by Elasticsearch 9.
 * Gives the Accept header's version, or undefined when it names none.
 */
export function compatibleVersion(accept: string | undefined, contentType: string | undefined, hasContent: boolean): number | undefined {
  const acceptVersion = parseVersion(accept);
  const contentVersion = parseVersion(contentType);
  const wanted = acceptVersion ?? CURRENT;
  if (wanted > CURRENT || wanted < MINIMUM_SUPPORTED) {
    throw refused(`Accept version must be either version ${CURRENT} or ${MINIMUM_SUPPORTED}, but found ${wanted}. Accept=${accept ?? ''}`);
  }
  if (hasContent) {
    const sent = contentVersion ?? CURRENT;
    if (sent > CURRENT || sent < MINIMUM_SUPPORTED) {
      throw refused(`Content-Type version must be either version ${CURRENT} or ${MINIMUM_SUPPORTED}, but found ${sent}. Content-Type=${contentType ?? ''}`);
    }
    if (sent !== wanted) {
      throw refused(`A compatible version is required on both Content-Type and Accept headers if either one has requested a compatible version and the compatible versions must match. Accept=${accept ?? ''}, Content-Type=${contentType ?? ''}`);
    }
    if ((contentVersion === undefined) !== (acceptVersion === undefined)) {
      throw refused(`A compatible version is required on both Content-Type and Accept headers if either one has requested a compatible version. Accept=${accept ?? ''}, Content-Type=${contentType ?? ''}`);
    }
  }
  return acceptVersion;
}
