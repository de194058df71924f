-- How each side signs in (couplet_model::connection::AuthMethod as JSON): a client secret,
-- a certificate (with its thumbprint) or Business Central basic auth (with the user name).
-- The secrets themselves stay in the OS keychain. Rows saved before are client-secret ones.
ALTER TABLE connections ADD COLUMN auth TEXT NOT NULL DEFAULT '{"method":"client_secret"}';
