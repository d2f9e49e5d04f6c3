// A PostgreSQL URL's password: masked where it is shown, taken out (decoded) where another program gets the URL.
import { expect, test } from 'vitest';
import { passwordApart, redactedUrl } from './url.js';

test('redactedUrl masks the password and keeps the rest', () => {
  expect(redactedUrl('postgres://parley:s3cret@db.example.org:5432/parley?sslmode=require')).toBe('postgres://parley:***@db.example.org:5432/parley?sslmode=require');
  expect(redactedUrl('postgres://parley@db.example.org/parley')).toBe('postgres://parley@db.example.org/parley');
});

test('passwordApart gives the URL without its password and the password decoded', () => {
  expect(passwordApart('postgresql://parley:p%40ss%3Aw%2Ford@db.example.org:5432/parley?sslmode=require')).toEqual({
    url: 'postgresql://parley@db.example.org:5432/parley?sslmode=require',
    password: 'p@ss:w/ord',
  });
  expect(passwordApart('postgres://parley@db.example.org/parley')).toEqual({ url: 'postgres://parley@db.example.org/parley', password: undefined });
  expect(passwordApart('postgres:///parley?host=/var/run/postgresql')).toEqual({ url: 'postgres:///parley?host=/var/run/postgresql', password: undefined });
});
