import { describe, expect, test } from 'vitest'

import { checkRedisUrl, createFailFastRedis, redactRedisUrl } from '../../src/buffer/redisClient.js'

describe('checkRedisUrl (REDIS_URL at start)', () => {
  test('accepts redis://, rediss:// with database 0 or none, and unix socket paths', () => {
    for (const url of ['redis://127.0.0.1:6379', 'redis://:secret@cache:6379/0', 'rediss://user:pw@cache.example.com', 'redis://cache/', '/var/run/redis.sock']) {
      expect(checkRedisUrl(url)).toBe(url)
    }
  })

  test('refuses what ioredis would take as a socket path, with a message saying what is wrong', () => {
    expect(() => checkRedisUrl('redis//cache:6379')).toThrow(/invalid REDIS_URL "redis\/\/cache:6379".*not a URL/)
    expect(() => checkRedisUrl('http://cache:6379')).toThrow(/invalid REDIS_URL "http:\/\/cache:6379".*scheme must be redis: or rediss:, not http:/)
    expect(() => checkRedisUrl('cache:6379')).toThrow(/invalid REDIS_URL.*scheme/)
    expect(() => checkRedisUrl('redis://')).toThrow(/invalid REDIS_URL.*no host/)
  })

  test('refuses a database index other than 0 (it would silently be database 0 when the server lacks it), without echoing the password', () => {
    expect(() => checkRedisUrl('redis://:s3cret@cache:6379/99')).toThrow(/invalid REDIS_URL "redis:\/\/:\*\*\*@cache:6379\/99".*database "99" is not supported.*redisKeyPrefix/)
    expect(() => checkRedisUrl('redis://cache/3')).toThrow(/database "3"/)
    // Every client the plugin creates goes through the same check.
    expect(() => createFailFastRedis('redis://127.0.0.1:1/5', { lazyConnect: true })).toThrow(/database "5"/)
  })

  test('redactRedisUrl hides the password only', () => {
    expect(redactRedisUrl('rediss://app:pw@cache:6380/0')).toBe('rediss://app:***@cache:6380/0')
    expect(redactRedisUrl('redis://cache:6379')).toBe('redis://cache:6379')
  })
})
