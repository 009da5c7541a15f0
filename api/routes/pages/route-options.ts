/** What every page route's options share. */

/** Pages open without an API key: the ops pages hold no data (their script asks with the key typed in), the customer's carry a token. */
export const publicAccess = { access: { public: true as const } };

/** Pages are HTML for people: not part of the API's OpenAPI document. */
export const hidden = { hide: true };
