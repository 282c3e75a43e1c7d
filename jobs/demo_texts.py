"""Descriptions of the demo openings, one per kind of role and language.

Titles and shapes follow real openings at member organizations (jobs/data/demo_jobs.csv);
the texts are our own. "{organization}" and "{place}" are filled in per job.
"""

from __future__ import annotations

ROLE_TEXTS: dict[str, str] = {
    "attorney": """\
{organization} is looking for an attorney to represent people in prison who have always said
they are innocent.

## What you will do

- Investigate and litigate post-conviction claims in state and federal courts
- Work with investigators, forensic experts and students on each case
- Write petitions, briefs and motions, and argue them
- Keep clients and their families informed at every step

## What we look for

- Admission to the bar (or eligibility for it) and some years of criminal litigation
- Care for clients and patience with cases that take years
- Strong writing

We are based in {place}. Some travel to prisons and courts is part of the work.
""",
    "director": """\
{organization} seeks an experienced lawyer to lead its post-conviction litigation.

## The role

- Lead a team of staff attorneys and set litigation strategy across the caseload
- Decide which cases to take, with the case review committee
- Handle the most complex cases personally, including DNA and non-DNA claims
- Work with the policy team so that what we learn in court changes the law

## Requirements

- At least ten years of litigation experience, with post-conviction or appellate work
- Experience supervising lawyers
- Bar admission in the state or willingness to seek it

The position is based in {place}.
""",
    "investigator": """\
{organization} is hiring an investigator to find the evidence that can free innocent people.

## Responsibilities

- Locate and interview witnesses, some of them decades after the crime
- Gather police, court and laboratory records and build case timelines
- Work closely with attorneys to decide what to investigate next
- Write clear reports of every step

## Qualifications

- Experience as an investigator (defence, journalism or law enforcement)
- A valid driver's licence and willingness to travel
- Discretion, persistence and respect for the people we represent

Based in {place}.
""",
    "paralegal": """\
{organization} needs a paralegal to keep our cases moving.

- Manage case files, records requests and court deadlines
- Prepare exhibits and filings with the attorneys
- Answer letters from incarcerated people asking for help, and track each request
- Help prepare clients' release and re-entry

A bachelor's degree or paralegal certificate is welcome; organisation and kindness with
people in difficult situations matter most. Based in {place}.
""",
    "policy": """\
{organization} is looking for a policy advocate to prevent wrongful convictions, not only
correct them.

## You will

- Draft and promote reforms on eyewitness identification, recorded interrogations,
  forensic science and compensation for exonerees
- Build coalitions with lawmakers, prosecutors, defenders and community groups
- Testify before committees and brief journalists

## You have

- Experience in legislative or policy advocacy
- Clear writing and speaking
- A commitment to criminal justice reform

Based in {place}, with travel to the state capital during session.
""",
    "development": """\
{organization} seeks a development professional to grow the support that pays for our work.

- Plan and carry out individual giving, events and grant applications
- Keep donor records accurate and thank every supporter promptly
- Tell the stories of our clients, with their consent, to funders

Experience in nonprofit fundraising is required. Based in {place}.
""",
    "communications": """\
{organization} is hiring a communications manager.

- Tell our clients' stories with care, in the press, on our site and in social media
- Work with journalists when cases reach court or a client comes home
- Edit our newsletter and annual report

Three or more years of communications experience; excellent writing. Based in {place}.
""",
    "social_work": """\
{organization} is looking for a social worker to support exonerees and their families.

- Plan each client's release with them: housing, identification, health care, work
- Connect exonerees with counselling and with each other
- Support families through hearings and the return home

A master's degree in social work (or equivalent) and experience with people leaving prison
are required. Based in {place}.
""",
    "fellowship": """\
{organization} offers a fellowship for a recent law graduate committed to fighting
wrongful convictions.

- Work on cases from first review to litigation, under the supervision of senior attorneys
- Research new scientific and legal questions raised by our cases
- Lead a project of your own design over the fellowship

The fellowship lasts two years and is based in {place}.
""",
    "internship": """\
{organization} offers paid summer internships to law students and undergraduate seniors.

- Review case files and trial transcripts
- Help with records requests, research memos and witness interviews
- Join weekly case meetings and training sessions

Internships last nine weeks. Apply with a résumé, a short writing sample and a letter about
why this work matters to you. Based in {place}.
""",
    "forensic_science": """\
{organization} seeks a forensic science specialist to review the science in our cases.

- Review laboratory reports and testimony on DNA, fingerprints, fire and other evidence
- Work with independent experts and laboratories on new testing
- Help attorneys explain the science to courts

A degree in a forensic or natural science and laboratory experience are required.
Based in {place}.
""",
    "administration": """\
{organization} is hiring an office and operations coordinator.

- Keep the office, the budget and our systems running
- Support the board and the staff with scheduling and records
- Process the letters and calls we receive from people asking for help

Experience in office administration; a calm and welcoming manner. Based in {place}.
""",
    "volunteer": """\
{organization} welcomes volunteers to help review the many requests we receive.

- Read letters and questionnaires from incarcerated people
- Summarise cases for the case review committee
- Help with research and records

Training is provided. A few hours a week, in {place} or remotely.
""",
}

ROLE_TEXTS_ES: dict[str, str] = {
    "attorney": """\
{organization} busca un/a abogado/a para representar a personas privadas de libertad que
siempre han sostenido su inocencia.

## Funciones

- Revisar causas y litigar recursos de revisión ante los tribunales
- Trabajar con investigadores, peritos y estudiantes en cada caso
- Redactar escritos y presentaciones, y sostenerlos en audiencia
- Mantener informados a los defendidos y a sus familias

## Requisitos

- Título de abogado/a y matrícula habilitante
- Experiencia en derecho penal o procesal penal
- Compromiso con los derechos humanos y buena redacción

Lugar de trabajo: {place}.
""",
    "investigator": """\
{organization} incorpora un/a investigador/a para reunir la prueba que permita liberar a
personas inocentes.

- Localizar y entrevistar testigos
- Solicitar y analizar expedientes judiciales, policiales y periciales
- Elaborar informes claros para el equipo legal

Se valora experiencia en investigación periodística, criminalística o defensa pública.
Lugar de trabajo: {place}.
""",
    "internship": """\
{organization} ofrece pasantías para estudiantes de Derecho de los últimos años.

- Lectura y análisis de expedientes
- Investigación jurídica y redacción de informes
- Participación en las reuniones semanales de casos

Duración: seis meses, con dedicación parcial. Lugar: {place}.
""",
    "communications": """\
{organization} busca una persona para coordinar su comunicación.

- Contar los casos con respeto por las personas defendidas y sus familias
- Relación con periodistas y redes sociales
- Boletín y materiales de difusión sobre condenas erróneas

Se requiere experiencia en comunicación institucional. Lugar de trabajo: {place}.
""",
    "volunteer": """\
{organization} convoca a voluntarias y voluntarios para revisar las solicitudes que recibe.

- Lectura de cartas y cuestionarios de personas detenidas
- Resúmenes de casos para el comité de admisión
- Apoyo en investigación

Se brinda capacitación. Algunas horas por semana, en {place} o a distancia.
""",
}

ROLE_TEXTS_JA: dict[str, str] = {
    "attorney": """\
{organization}では、えん罪を訴える方々の支援に携わる弁護士を募集しています。

## 業務内容

- 再審請求事件の記録検討と弁護活動
- 科学者・研究者と協力した鑑定の検討
- 支援対象者やご家族との連絡

## 応募資格

- 弁護士登録をしていること
- 刑事弁護の経験がある方を歓迎します

勤務地：{place}（オンラインでの参加も可能です）。
""",
    "administration": """\
{organization}では、事務局スタッフを募集しています。

- 相談窓口の受付と記録の管理
- 会計・助成金の事務
- 会議やイベントの準備

基本的なパソコン操作ができる方。勤務地：{place}。
""",
    "communications": """\
{organization}では、広報担当スタッフを募集しています。

- ウェブサイトとSNSでの情報発信
- 報道機関への対応
- ニュースレターや年次報告書の編集

えん罪問題に関心があり、わかりやすい文章を書ける方を歓迎します。勤務地：{place}。
""",
    "internship": """\
{organization}では、法学部・法科大学院の学生を対象にインターンを募集しています。

- 事件記録の整理と調査
- 研究会・勉強会への参加
- 広報活動の補助

期間は3か月程度。勤務地：{place}。
""",
}

TEXTS_BY_LANGUAGE = {"en": ROLE_TEXTS, "es": ROLE_TEXTS_ES, "ja": ROLE_TEXTS_JA}
