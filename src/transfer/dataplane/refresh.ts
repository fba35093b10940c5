/** Token refresh: a refresh token (rotated on use) buys a new access token while the transfer is STARTED. */
import { ForbiddenError, UnauthorizedError } from '../../errors.js';
import type { Queryable } from '../../store/db.js';
import { toRecord } from '../repository.js';
import type { EdrTokens } from './tokens.js';
import { hashRefreshToken } from './tokens.js';

export interface RefreshedToken {
  access_token: string;
  token_type: 'Bearer';
  expires_in: number;
  refresh_token: string;
}

export async function refreshEdr(
  db: Queryable,
  tokens: EdrTokens,
  refreshToken: string,
): Promise<RefreshedToken> {
  const r = await db.query<Parameters<typeof toRecord>[0]>(
    `SELECT * FROM transfers WHERE refresh_token_hash = $1 AND role = 'provider'`,
    [hashRefreshToken(refreshToken)],
  );
  const row = r.rows[0];
  if (!row) throw new UnauthorizedError('the refresh token is not valid', 'invalid_grant');
  const t = toRecord(row);
  if (t.state !== 'STARTED') {
    throw new ForbiddenError(
      `transfer ${t.id} is ${t.state}; tokens are refreshed only while it is STARTED`,
      { state: t.state },
      'transfer_not_started',
    );
  }
  const issued = await tokens.issue({
    transferId: t.id,
    agreementId: t.agreementId,
    consumerDid: t.counterPartyDid,
  });
  // Rotation: the old refresh token stops working; a concurrent use of it loses.
  const u = await db.query(
    `UPDATE transfers SET token_id = $2, refresh_token_hash = $3, updated_at = now()
     WHERE id = $1 AND refresh_token_hash = $4 AND state = 'STARTED'`,
    [t.id, issued.tokenId, issued.refreshTokenHash, hashRefreshToken(refreshToken)],
  );
  if (u.rowCount === 0) throw new UnauthorizedError('the refresh token is not valid', 'invalid_grant');
  return {
    access_token: issued.token,
    token_type: 'Bearer',
    expires_in: issued.expiresIn,
    refresh_token: issued.refreshToken,
  };
}
