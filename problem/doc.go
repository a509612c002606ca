// Package problem writes playerbase's errors as HTTP responses, once for
// every HTTP surface and host: RFC 9457 problem details
// (application/problem+json).
//
// Rules:
//   - The status follows the error's kind (errors.Is): ErrNotFound 404,
//     ErrInvalid 422, ErrForbidden 403, ErrConflict 409, ErrGone 410 (a feed
//     cursor behind retention). An error of several kinds takes the first
//     in that order. Any other error, and nil, is 500.
//   - The type is "about:blank" and the title the status phrase (RFC 9457
//     §4.2.1): the status already tells the kinds apart, and the
//     extension members carry the rest.
//   - The detail is the error's message for these kinds, which the
//     domain packages write for the caller. A 500's detail is a fixed text:
//     an unexpected error's message may name a host, a table or a password.
//     Log it before calling Write.
//   - Extension members: "errors" lists every *errs.InvalidError in the
//     error's tree as {field, detail}, so a form can mark each field; a
//     refusal by bans (*bans.BannedError) lists the bans' IDs as "ban_ids".
//   - The instance is the request's path, never its query, which may carry
//     a token.
//
// Only errs and the standard library are imported, and no domain package
// imports problem: bans are recognised by the BanIDs method their error
// has, not by type.
package problem
