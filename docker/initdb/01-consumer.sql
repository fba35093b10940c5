-- The provider's database is created by POSTGRES_DB; the consumer gets its own.
CREATE DATABASE consumer OWNER pontis;
