-- Changing one's email address: a single-use link to the new address confirms it.
ALTER TABLE account_tokens DROP CONSTRAINT account_tokens_purpose_check;
ALTER TABLE account_tokens ADD CONSTRAINT account_tokens_purpose_check
    CHECK (purpose IN ('invitation', 'password_reset', 'email_change'));
-- The address an email-change link confirms.
ALTER TABLE account_tokens ADD COLUMN new_email TEXT;

-- Where an email goes when it is not the recipient's current address: a confirmation to a new
-- address, or the notice of a change to the old one.
ALTER TABLE notifications ADD COLUMN to_address TEXT;
