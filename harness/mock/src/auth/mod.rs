//! Bearer tokens: HS256 JWTs signed with the mock's key ([`jwt`]) and the permission table of the
//! hardware OATH endpoints ([`permissions`]).

pub(crate) mod jwt;
pub(crate) mod permissions;
