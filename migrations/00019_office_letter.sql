-- +goose Up
-- What an office's letter (Tata Naskah Dinas) needs that Pantau cannot
-- know: the head's name, NIP and title, the office's address and place,
-- and the pattern of its letter numbers ({bulan} Roman month, {tahun}).
CREATE TABLE office_letter (
    office_code    text PRIMARY KEY REFERENCES offices (code) ON DELETE CASCADE,
    head_name      text NOT NULL DEFAULT '' CHECK (length(head_name) <= 200),
    head_nip       text NOT NULL DEFAULT '' CHECK (head_nip ~ '^[0-9 ]{0,24}$'),
    head_title     text NOT NULL DEFAULT '' CHECK (length(head_title) <= 200),
    address        text NOT NULL DEFAULT '' CHECK (length(address) <= 500),
    place          text NOT NULL DEFAULT '' CHECK (length(place) <= 100),
    number_pattern text NOT NULL DEFAULT '' CHECK (length(number_pattern) <= 100),
    updated_by     bigint REFERENCES users (id) ON DELETE SET NULL,
    updated_at     timestamptz NOT NULL DEFAULT now()
);

-- +goose Down
DROP TABLE office_letter;
