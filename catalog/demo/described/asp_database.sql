-- The regional ГИС «Адресная социальная помощь» (АСП) as its database holds it: a small SQLite copy built
-- at demo load and harvested through catalog.services.harvest (issue 20). Column names as such systems
-- write them (Latin snake_case); the catalogue's names and descriptions come from the harvest.
CREATE TABLE applicant (
    id INTEGER PRIMARY KEY,
    snils VARCHAR(14) NOT NULL UNIQUE,
    last_name VARCHAR(100) NOT NULL,
    first_name VARCHAR(100) NOT NULL,
    middle_name VARCHAR(100),
    birth_date DATE NOT NULL,
    reg_address VARCHAR(500),
    phone VARCHAR(20)
);
CREATE TABLE application (
    id INTEGER PRIMARY KEY,
    applicant_id INTEGER NOT NULL REFERENCES applicant(id),
    measure_code VARCHAR(20) NOT NULL,
    submitted_on DATE NOT NULL,
    channel VARCHAR(16) NOT NULL DEFAULT 'epgu',
    status VARCHAR(16) NOT NULL DEFAULT 'new'
);
CREATE TABLE decision (
    id INTEGER PRIMARY KEY,
    application_id INTEGER NOT NULL REFERENCES application(id),
    decided_on DATE NOT NULL,
    granted BOOLEAN NOT NULL,
    amount NUMERIC(12, 2)
);
CREATE TABLE payment (
    id INTEGER PRIMARY KEY,
    decision_id INTEGER NOT NULL REFERENCES decision(id),
    recipient_snils VARCHAR(14) NOT NULL,
    paid_on DATE NOT NULL,
    amount NUMERIC(12, 2) NOT NULL
);
CREATE VIEW active_recipients AS
    SELECT a.snils, a.last_name, a.first_name, d.amount
    FROM applicant a JOIN application p ON p.applicant_id = a.id JOIN decision d ON d.application_id = p.id
    WHERE d.granted = 1;
INSERT INTO applicant (id, snils, last_name, first_name, middle_name, birth_date) VALUES
    (1, '112-233-445 95', 'Иванова', 'Мария', 'Петровна', '1990-04-12');
