-- Operators (issue 12, item 4): staff take an SOS from its volunteer or offer it to one they name.
ALTER TYPE "SosEventType" ADD VALUE 'REASSIGNED';
