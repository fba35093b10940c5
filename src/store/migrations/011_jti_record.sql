-- Records a DCP token's jti inside the transaction of the change its request makes (no round trip or
-- commit of its own). A jti already recorded and not expired is a replay: an error, so that the
-- transaction, whose COMMIT went to the server with this statement, rolls back.
CREATE FUNCTION pontis_record_jti(k text, until timestamptz) RETURNS void LANGUAGE plpgsql VOLATILE AS $$
BEGIN
  INSERT INTO identity_jti (jti, expires_at) VALUES (k, until)
  ON CONFLICT (jti) DO UPDATE SET expires_at = EXCLUDED.expires_at WHERE identity_jti.expires_at < now();
  IF NOT FOUND THEN
    RAISE EXCEPTION USING ERRCODE = 'PS002', MESSAGE = 'jti ' || k || ' was already used';
  END IF;
END
$$;
