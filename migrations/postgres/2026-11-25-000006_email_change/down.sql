ALTER TABLE notifications DROP COLUMN to_address;
DELETE FROM account_tokens WHERE purpose = 'email_change';
ALTER TABLE account_tokens DROP COLUMN new_email;
ALTER TABLE account_tokens DROP CONSTRAINT account_tokens_purpose_check;
ALTER TABLE account_tokens ADD CONSTRAINT account_tokens_purpose_check
    CHECK (purpose IN ('invitation', 'password_reset'));
