import { describe, expect, it } from 'vitest';
import { credentialTypesIn, scopesFor } from '../../../src/negotiation/scopes.js';

describe('credential scopes of a contract policy', () => {
  const policy = {
    permission: [
      {
        action: 'use',
        constraint: [
          { leftOperand: 'pontis:membership', operator: 'eq', rightOperand: 'true' },
          {
            leftOperand: 'pontis:credentialClaim',
            'pontis:fromCredential': 'LevelCredential',
            'pontis:claimPath': '$.level',
            operator: 'eq',
            rightOperand: 'gold',
          },
          {
            or: [
              {
                leftOperand: 'pontis:credentialType',
                operator: 'hasPart',
                rightOperand: 'PartnerCredential',
              },
              {
                leftOperand: 'https://w3id.org/pontis/policy/credentialType',
                operator: 'isAnyOf',
                rightOperand: ['GoldCredential', { '@value': 'SilverCredential' }],
              },
            ],
          },
        ],
      },
    ],
  };

  it('collects the credential types named anywhere in the rules', () => {
    expect(credentialTypesIn(policy)).toEqual([
      'GoldCredential',
      'LevelCredential',
      'PartnerCredential',
      'SilverCredential',
    ]);
    expect(credentialTypesIn({ permission: [{ action: 'use' }] })).toEqual([]);
  });

  it('adds the membership scope', () => {
    expect(scopesFor({ permission: [{ action: 'use' }] })).toEqual([
      'org.eclipse.dspace.dcp.vc.type:MembershipCredential:read',
    ]);
    expect(scopesFor(policy)).toHaveLength(5);
  });
});
